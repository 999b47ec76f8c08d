/**
 * The rows of a dataset split: from `--data-dir` (`DIR/<repo id>/<config>/<split>.jsonl` or `.parquet`,
 * with the hub dataset's own columns) or, without it, from the hub's parquet files in the HF cache.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { AtlasError } from "../../core/index.js";
import { describeDatasetRef, type DatasetRef, type DatasetRow } from "./dataset-ref.js";
import { downloadDatasetSplit, type DownloadDatasetSplitOptions } from "./download-dataset-split.js";
import { readJsonlRows, readParquetRows } from "./read-rows.js";

/** Options of {@link loadDatasetRows}. */
export interface LoadDatasetOptions extends Omit<DownloadDatasetSplitOptions, "ref"> {
  /** Local folder laid out as `<repo id>/<config>/<split>.jsonl|.parquet`; no hub access when set. */
  dataDir?: string;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** The local files `dataDir` would hold for `ref`, in the order they are tried. */
export function localDatasetPaths(dataDir: string, ref: DatasetRef): string[] {
  const base = join(dataDir, ...ref.path.split("/"), ref.name, ref.split);
  return [`${base}.jsonl`, `${base}.parquet`];
}

/**
 * Loads every row of a split.
 * @throws AtlasError NOT_FOUND when neither the local files nor the hub have it.
 */
export async function loadDatasetRows(
  ref: DatasetRef,
  options: LoadDatasetOptions = {},
): Promise<DatasetRow[]> {
  if (options.dataDir !== undefined) {
    const [jsonl, parquet] = localDatasetPaths(options.dataDir, ref);
    if (await isFile(jsonl!)) return readJsonlRows(jsonl!);
    if (await isFile(parquet!)) return readParquetRows(parquet!);
    throw new AtlasError("NOT_FOUND", `dataset ${describeDatasetRef(ref)} is not in the data folder`, {
      where: jsonl!,
      hint: `put the split at ${jsonl} or ${parquet}, or leave out --data-dir to read it from the hub`,
    });
  }
  const files = await downloadDatasetSplit({ ...options, ref });
  const rows: DatasetRow[] = [];
  for (const file of files) rows.push(...(await readParquetRows(file)));
  return rows;
}
