/**
 * `buildSftData`: a chat dataset → tokenized, masked, (optionally) packed training shards for TRL and
 * axolotl, plus `stats.json`. Two streaming passes with bounded memory:
 *
 * 1. read every row (one file, one parquet row group at a time), render it with the model's chat
 *    template, tokenize it with the model's tokenizer, mask it to the assistant replies, apply the length
 *    policy, count, and send the sample to a seeded shuffle bucket on disk;
 * 2. read the buckets back in a seeded random order, send the first `val` share to the validation split,
 *    pack if asked, and write parquet + jsonl shards.
 *
 * Everything is built in a hidden work folder inside `out` and moved into place at the end, so an
 * interrupted build leaves no half-written shards. Same input, options and seed → the same bytes.
 */
import { readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  AtlasError,
  makeFolder,
  makeWorkFolder,
  sweepStaleTemps,
  writeFileAtomic,
} from "../../core/index.js";
import type { HubRequestOptions } from "../../hub/index.js";
import { openTokenizer } from "../tokenizer/open-tokenizer.js";
import { droppedTotal, STATS_VERSION, type SftStats } from "./build-stats.js";
import { findDatasetFiles } from "./dataset-files.js";
import { datasetCard } from "./dataset-card.js";
import { tokenizePass } from "./tokenize-pass.js";
import { writePass } from "./write-pass.js";

/** Progress of {@link buildSftData}. */
export type BuildProgress =
  | { phase: "download"; done: number; total: number }
  | { phase: "tokenize"; rows: number; totalRows: number }
  | { phase: "write"; samples: number; totalSamples: number };

/** Options of {@link buildSftData}. */
export interface BuildSftOptions extends Pick<HubRequestOptions, "fetch" | "signal"> {
  /** A local .parquet/.jsonl file or folder, or a hub dataset id (`MBZUAI-Paris/Darija-SFT-Mixture`). */
  dataset: string;
  /** The model whose template and tokenizer to use: GGUF, checkpoint folder, pulled model or hub id. */
  model: string;
  /** Output folder (created; must be empty unless `overwrite`). */
  out: string;
  /** Longest sample in tokens (default 2048). */
  maxLen?: number;
  /** Samples longer than `maxLen`: dropped (default) or cut to `maxLen`. */
  policy?: "drop" | "truncate";
  /** Pack samples into rows of up to `maxLen` tokens (default false). */
  pack?: boolean;
  /** Share of samples for the validation split, 0 ≤ val < 1 (default 0). */
  valFraction?: number;
  /** Shuffle and split seed, a 32-bit unsigned integer (default 0). */
  seed?: number;
  /** Split of the source dataset to read (default "train"). */
  split?: string;
  /** Folder holding `<org>/<name>/…` for hub ids (no network when set). */
  dataDir?: string;
  /** Hub revision of the dataset (default "main"). */
  revision?: string;
  /** Column naming each row's source (default: source, dataset, origin, task or subset; else the file). */
  sourceColumn?: string;
  /** Read only the first `limit` rows (a quick trial). */
  limit?: number;
  /** Rows per output shard (default 100 000). */
  rowsPerShard?: number;
  /** Replace an earlier build in `out` (its parquet/, jsonl/, stats.json, README.md). Default false. */
  overwrite?: boolean;
  env?: Readonly<Record<string, string | undefined>>;
  onProgress?: (progress: BuildProgress) => void;
  /** Notes for the user (e.g. a file with no source column). */
  onNotice?: (message: string) => void;
}

/** What {@link buildSftData} did: the stats written, and timing (kept out of stats.json). */
export interface BuildSftResult {
  stats: SftStats;
  out: string;
  seconds: number;
  rowsPerSecond: number;
}

/** The names a build writes into `out`. */
export const BUILD_OUTPUTS: readonly string[] = ["parquet", "jsonl", "stats.json", "README.md"];

function checkOptions(
  o: BuildSftOptions,
): Required<Pick<BuildSftOptions, "maxLen" | "policy" | "valFraction" | "seed" | "rowsPerShard">> {
  const maxLen = o.maxLen ?? 2048;
  const valFraction = o.valFraction ?? 0;
  const seed = o.seed ?? 0;
  const rowsPerShard = o.rowsPerShard ?? 100_000;
  const bad = (field: string, message: string): AtlasError =>
    new AtlasError("BAD_ARGUMENT", message, { details: { field } });
  if (!Number.isInteger(maxLen) || maxLen < 2 || maxLen > 1 << 20)
    throw bad("maxLen", `max length must be a whole number from 2 to 1048576, got ${maxLen}`);
  if (!(valFraction >= 0 && valFraction < 1))
    throw bad("valFraction", `validation share must be ≥ 0 and < 1, got ${valFraction}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw bad("seed", `seed must be a whole number from 0 to 4294967295, got ${seed}`);
  if (!Number.isInteger(rowsPerShard) || rowsPerShard < 1)
    throw bad("rowsPerShard", `rows per shard must be a positive whole number, got ${rowsPerShard}`);
  if (o.limit !== undefined && (!Number.isInteger(o.limit) || o.limit < 1))
    throw bad("limit", `limit must be a positive whole number, got ${o.limit}`);
  if (o.policy !== undefined && o.policy !== "drop" && o.policy !== "truncate")
    throw bad("policy", `policy must be drop or truncate, got ${String(o.policy)}`);
  return { maxLen, policy: o.policy ?? "drop", valFraction, seed, rowsPerShard };
}

/** Refuses an `out` that holds anything but an earlier build (removed when `overwrite`). */
async function prepareOut(out: string, overwrite: boolean): Promise<void> {
  await makeFolder(out, "cannot create the output folder");
  await sweepStaleTemps(out);
  const names = (await readdir(out)).filter((n) => !n.startsWith(".atlas-work-"));
  if (names.length === 0) return;
  const foreign = names.filter((n) => !BUILD_OUTPUTS.includes(n));
  if (!overwrite || foreign.length > 0)
    throw new AtlasError(
      "BAD_ARGUMENT",
      foreign.length > 0 ? `is not empty (${foreign.slice(0, 5).join(", ")})` : "already holds a build",
      {
        where: out,
        hint: foreign.length > 0 ? "give an empty or new folder" : "pass --force to replace it",
      },
    );
}

/**
 * Builds the SFT shards of `options.dataset` into `options.out`.
 * @example
 * const { stats } = await buildSftData({ dataset: "MBZUAI-Paris/Darija-SFT-Mixture", model: "atlas-chat:2b", out: "sft", valFraction: 0.01 });
 * @throws AtlasError BAD_ARGUMENT (options, a non-empty out), NOT_FOUND (dataset, model), UNSUPPORTED
 *   (no known columns), INVALID_MODEL (unreadable files, no usable row), IO, ABORTED
 */
export async function buildSftData(options: BuildSftOptions): Promise<BuildSftResult> {
  const started = performance.now();
  const checked = checkOptions(options);
  const env = options.env ?? process.env;
  const files = await findDatasetFiles({
    dataset: options.dataset,
    split: options.split,
    dataDir: options.dataDir,
    revision: options.revision,
    env,
    fetch: options.fetch,
    signal: options.signal,
    onDownload: (done, total) => options.onProgress?.({ phase: "download", done, total }),
  });
  await prepareOut(options.out, options.overwrite === true);
  const { tokenizer, chatTemplate, source } = await openTokenizer(options.model, {
    env,
    fetch: options.fetch,
    signal: options.signal,
  });
  const work = await makeWorkFolder(options.out);
  try {
    const passOne = await tokenizePass({ ...options, ...checked, files, tokenizer, chatTemplate, work });
    const passTwo = await writePass({
      ...options,
      ...checked,
      work,
      buckets: passOne.buckets,
      kept: passOne.totals.kept,
    });
    const { totals } = passOne;
    const stats: SftStats = {
      version: STATS_VERSION,
      dataset: options.dataset,
      split: options.split ?? "train",
      files: files.map((f) => f.name),
      model: options.model,
      tokenizer: source,
      format: passOne.format,
      maxLen: checked.maxLen,
      policy: checked.policy,
      packed: options.pack === true,
      seed: checked.seed,
      valFraction: checked.valFraction,
      columns: passTwo.columns,
      totals,
      dropRate: rate(droppedTotal(totals), totals.rows),
      truncationRate: rate(totals.truncated, totals.rows),
      sources: passOne.sources,
      lengths: passOne.lengths,
      splits: passTwo.splits,
    };
    await writeFileAtomic(join(work, "stats.json"), `${JSON.stringify(stats, null, 2)}\n`, {
      durable: false,
    });
    await writeFileAtomic(join(work, "README.md"), datasetCard(stats), { durable: false });
    await moveIntoPlace(work, options.out);
    const seconds = (performance.now() - started) / 1000;
    return { stats, out: options.out, seconds, rowsPerSecond: stats.totals.rows / Math.max(seconds, 1e-9) };
  } finally {
    tokenizer.close();
    await rm(work, { recursive: true, force: true });
  }
}

function rate(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 1e6) / 1e6;
}

/** Replaces the build outputs in `out` with those in `work`. */
async function moveIntoPlace(work: string, out: string): Promise<void> {
  for (const name of BUILD_OUTPUTS) {
    await rm(join(out, name), { recursive: true, force: true });
    await rename(join(work, name), join(out, name));
  }
}
