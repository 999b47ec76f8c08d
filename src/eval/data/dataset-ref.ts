/** Which rows a task reads: a hub dataset repo, its config and split (lm-eval's dataset_path/name/split). */

/** A dataset split, named as on the Hugging Face hub. */
export interface DatasetRef {
  /** Repo id, e.g. `MBZUAI-Paris/DarijaBench` or `facebook/belebele`. */
  path: string;
  /** Config (lm-eval's `dataset_name`); "default" when the dataset has one config. */
  name: string;
  /** Split, e.g. `test`, `validation`, `doda`. */
  split: string;
}

/** One row: the dataset's own columns, with parquet INT64 values as numbers. */
export type DatasetRow = Record<string, unknown>;

/** `org/name:config/split`, for messages. */
export function describeDatasetRef(ref: DatasetRef): string {
  return `${ref.path}:${ref.name}/${ref.split}`;
}
