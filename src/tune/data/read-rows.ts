/**
 * Streams the rows of dataset files — JSON lines one line at a time, parquet one row group at a time and
 * only the columns asked for — so a 450k-row mixture is never in memory whole.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import {
  asyncBufferFromFile,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
  type Compressors,
  type FileMetaData,
} from "hyparquet";
import { AtlasError, errorMessage, ioError } from "../../core/index.js";
import type { DatasetFile } from "./dataset-files.js";

/** One row: its columns (parquet INT64 as bigint), or why it could not be read. */
export type RawRow = { row: Record<string, unknown> } | { error: string };

/** Page codecs beyond hyparquet's built-in snappy, from Node's zlib. */
const DECOMPRESSORS: Compressors = {
  GZIP: (input) => new Uint8Array(gunzipSync(input)),
  BROTLI: (input) => new Uint8Array(brotliDecompressSync(input)),
};

function invalidFile(path: string, error: unknown): AtlasError {
  if (error instanceof AtlasError) return error;
  return new AtlasError("INVALID_MODEL", `cannot read the parquet file (${errorMessage(error)})`, {
    where: path,
    cause: error,
    hint: "check the file is a complete parquet file (snappy, gzip, brotli or uncompressed pages)",
  });
}

async function parquetMetadata(path: string): Promise<{
  file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  metadata: FileMetaData;
}> {
  let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  try {
    file = await asyncBufferFromFile(path);
  } catch (error) {
    throw ioError("cannot read the dataset file", path, error);
  }
  try {
    return { file, metadata: await parquetMetadataAsync(file) };
  } catch (error) {
    throw invalidFile(path, error);
  }
}

/** The top-level column names of a data file (parquet: from its schema; jsonl: from the first row). */
export async function columnsOf(file: DatasetFile): Promise<string[]> {
  if (file.format === "parquet") {
    const { metadata } = await parquetMetadata(file.path);
    return parquetSchema(metadata).children.map((c) => c.element.name);
  }
  for await (const raw of readRows(file)) if ("row" in raw) return Object.keys(raw.row);
  return [];
}

/** Rows in the file: exact for parquet (metadata), counted lines for jsonl (a quick byte scan). */
export async function countRows(file: DatasetFile): Promise<number> {
  if (file.format === "parquet") return Number((await parquetMetadata(file.path)).metadata.num_rows);
  let lines = 0;
  let last = 0x0a;
  try {
    for await (const chunk of createReadStream(file.path)) {
      const bytes = chunk as Buffer;
      for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) lines++;
      if (bytes.length > 0) last = bytes[bytes.length - 1]!;
    }
  } catch (error) {
    throw ioError("cannot read the dataset file", file.path, error);
  }
  return last === 0x0a ? lines : lines + 1;
}

/**
 * Yields every row of `file` in order. A jsonl line that is not a JSON object is yielded as an error
 * (counted and reported by the caller, not fatal); an unreadable file throws.
 * @param columns parquet only: the columns to read (default all)
 */
export async function* readRows(file: DatasetFile, columns?: readonly string[]): AsyncGenerator<RawRow> {
  if (file.format === "parquet") {
    yield* readParquet(file.path, columns);
    return;
  }
  const lines = createInterface({ input: createReadStream(file.path), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        yield { error: `line ${n} is not JSON` };
        continue;
      }
      if (value === null || typeof value !== "object" || Array.isArray(value))
        yield { error: `line ${n} is not a JSON object` };
      else yield { row: value as Record<string, unknown> };
    }
  } catch (error) {
    throw ioError("cannot read the dataset file", file.path, error);
  } finally {
    lines.close();
  }
}

async function* readParquet(path: string, columns?: readonly string[]): AsyncGenerator<RawRow> {
  const { file, metadata } = await parquetMetadata(path);
  let start = 0;
  for (const group of metadata.row_groups) {
    const end = start + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({
        file,
        metadata,
        rowStart: start,
        rowEnd: end,
        compressors: DECOMPRESSORS,
        ...(columns === undefined ? {} : { columns: [...columns] }),
      });
    } catch (error) {
      throw invalidFile(path, error);
    }
    for (const row of rows) yield { row };
    start = end;
  }
}
