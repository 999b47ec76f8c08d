/** Reading dataset rows from local jsonl and parquet files (parquet through hyparquet). */
import { readFile } from "node:fs/promises";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { asyncBufferFromFile, parquetReadObjects, type Compressors } from "hyparquet";
import { AtlasError, errorMessage, ioError } from "../../core/index.js";
import type { DatasetRow } from "./dataset-ref.js";

/** BigInt (parquet INT64) → number, recursively; values beyond 2^53 are refused rather than rounded. */
export function normalizeValue(value: unknown, where: string): unknown {
  if (typeof value === "bigint") {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER))
      throw new AtlasError("INVALID_MODEL", `integer ${value} does not fit a JavaScript number`, { where });
    return Number(value);
  }
  if (Array.isArray(value)) return value.map((v) => normalizeValue(v, where));
  if (
    value !== null &&
    typeof value === "object" &&
    !(value instanceof Date) &&
    !(value instanceof Uint8Array)
  )
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeValue(v, where)]));
  return value;
}

/** Rows of a JSON-lines file (one object per line; blank lines skipped). */
export async function readJsonlRows(path: string): Promise<DatasetRow[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw ioError("cannot read the dataset file", path, error);
  }
  const rows: DatasetRow[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new AtlasError("INVALID_MODEL", `line ${i + 1} is not JSON (${errorMessage(error)})`, {
        where: path,
        hint: "a .jsonl dataset holds one JSON object per line",
      });
    }
    if (value === null || typeof value !== "object" || Array.isArray(value))
      throw new AtlasError("INVALID_MODEL", `line ${i + 1} is not a JSON object`, { where: path });
    rows.push(value as DatasetRow);
  });
  return rows;
}

/** Page codecs beyond hyparquet's built-in snappy, from Node's zlib (ZSTD needs Node ≥ 22.15: unsupported). */
const DECOMPRESSORS: Compressors = {
  GZIP: (input) => new Uint8Array(gunzipSync(input)),
  BROTLI: (input) => new Uint8Array(brotliDecompressSync(input)),
};

/** Rows of a parquet file, every column. */
export async function readParquetRows(path: string): Promise<DatasetRow[]> {
  let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  try {
    file = await asyncBufferFromFile(path);
  } catch (error) {
    throw ioError("cannot read the dataset file", path, error);
  }
  try {
    const rows = await parquetReadObjects({ file, compressors: DECOMPRESSORS });
    return rows.map((row) => normalizeValue(row, path) as DatasetRow);
  } catch (error) {
    if (error instanceof AtlasError) throw error;
    throw new AtlasError("INVALID_MODEL", `cannot read the parquet file (${errorMessage(error)})`, {
      where: path,
      cause: error,
      hint: "check the file is a complete parquet file (snappy, gzip or uncompressed pages)",
    });
  }
}
