/**
 * Which data files of a dataset hold a split, by the Hugging Face `datasets` naming conventions:
 * `data/train-00000-of-00002.parquet`, `train.jsonl`, `train/0000.parquet`, `data/validation.jsonl`.
 * A dataset whose file names mention no split at all is one `train` split; when a split has both
 * parquet and jsonl files, the parquet files are read.
 */

/** Data file formats `atlas data build` reads. */
export type DataFormat = "jsonl" | "parquet";

/** Split names `datasets` recognises in file and folder names. */
const KNOWN_SPLITS = ["train", "training", "validation", "valid", "val", "dev", "test", "testing", "eval"];

/** The format of a data file by its extension, or undefined for files that are not data. */
export function dataFormatOf(path: string): DataFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith(".parquet")) return "parquet";
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return "jsonl";
  return undefined;
}

/** The split names a `/`-separated path mentions (in a folder name or at the start of the file name). */
function splitsIn(path: string): string[] {
  const parts = path.toLowerCase().split("/");
  const found: string[] = [];
  parts.forEach((part, i) => {
    const stem = i === parts.length - 1 ? part.replace(/\.[^.]*$/, "") : part;
    for (const split of KNOWN_SPLITS) {
      if (
        stem === split ||
        stem.startsWith(`${split}-`) ||
        stem.startsWith(`${split}_`) ||
        stem.startsWith(`${split}.`)
      )
        found.push(split);
    }
  });
  return found;
}

/**
 * The data files (relative `/`-separated paths) of `split`, sorted. When no file mentions any split,
 * every data file belongs to `train`.
 */
export function selectSplitFiles(paths: readonly string[], split: string): string[] {
  const data = paths.filter((p) => dataFormatOf(p) !== undefined);
  const wanted = split.toLowerCase();
  const anySplit = data.some((p) => splitsIn(p).length > 0);
  const picked = anySplit ? data.filter((p) => splitsIn(p).includes(wanted)) : wanted === "train" ? data : [];
  // A repo that ships the same rows twice (parquet and jsonl) is read once, from the parquet files.
  const parquet = picked.filter((p) => dataFormatOf(p) === "parquet");
  return [...(parquet.length > 0 ? parquet : picked)].sort();
}
