/** `atlas data build`: a chat dataset → tokenized, masked (packed) training shards + stats.json. */
import { resolve } from "node:path";
import { buildSftData, type BuildProgress, type SftStats } from "../../tune/index.js";
import { badArgument, parseCommandArgs, parsePositiveInt } from "../args.js";
import { formatBytes, formatDuration } from "../format.js";
import { eprintln, printJson, println, type CliIO } from "../io.js";
import { defaultModelRef } from "../open-model.js";
import { ProgressDisplay } from "../progress.js";

const FLAGS = {
  dataset: { type: "string" },
  "data-dir": { type: "string" },
  split: { type: "string" },
  revision: { type: "string" },
  model: { type: "string", short: "m" },
  "max-len": { type: "string" },
  pack: { type: "boolean" },
  val: { type: "string" },
  seed: { type: "string" },
  truncate: { type: "boolean" },
  drop: { type: "boolean" },
  out: { type: "string", short: "o" },
  "source-column": { type: "string" },
  limit: { type: "string" },
  "shard-rows": { type: "string" },
  force: { type: "boolean" },
  json: { type: "boolean" },
} as const;

/** Usage of `atlas data build`, for `atlas data --help`. */
export const DATA_BUILD_HELP = `Usage: atlas data build --dataset DATASET --out DIR [--model MODEL] [--max-len N] [--pack]
                        [--val F] [--seed N] [--truncate|--drop] [--data-dir DIR] [--split S]
                        [--source-column COL] [--limit N] [--shard-rows N] [--force] [--json]

Renders every conversation with the model's own chat template, tokenizes it with the model's tokenizer
(llama.cpp's, read from the model file without loading weights), masks the labels to the assistant
replies (<end_of_turn> included), applies the length policy, shuffles with a seed, splits, optionally
packs, and writes DIR/parquet/*.parquet and DIR/jsonl/*.jsonl (input_ids, attention_mask, labels
[, position_ids, seq_lengths]), DIR/stats.json and a dataset card DIR/README.md.

Options:
      --dataset D      hub dataset id (MBZUAI-Paris/Darija-SFT-Mixture), or a local .parquet/.jsonl
                       file or folder; rows with messages, conversations or instruction/input/output
      --data-dir DIR   read hub ids from DIR/<org>/<name>/ instead of the hub
      --split S        split of the source to read (default train)
      --revision REV   hub revision (default main)
  -m, --model MODEL    whose template and tokenizer (default ATLAS_MODEL or atlas-chat:2b): a GGUF,
                       a checkpoint folder, a pulled model, or a hub id (only tokenizer files fetched)
      --max-len N      longest sample in tokens (default 2048)
      --drop           drop longer samples (default)
      --truncate       cut longer samples to --max-len
      --pack           pack samples into rows of up to --max-len tokens (position_ids restart per sample)
      --val F          share of samples for the validation split, e.g. 0.01 (default 0)
      --seed N         shuffle and split seed (default 0): same seed, same bytes
      --source-column C  column naming each row's source in stats.json (default: source, dataset,
                       origin, task or subset when present, else the file name)
      --limit N        read only the first N rows
      --shard-rows N   rows per output shard (default 100000)
  -o, --out DIR        output folder (new or empty; with --force an earlier build there is replaced)
      --json           print stats.json to stdout

Examples:
  atlas data build --dataset MBZUAI-Paris/Darija-SFT-Mixture --model atlas-chat:2b --max-len 2048 --val 0.01 --out sft/
  atlas data build --dataset ./my-darija.jsonl --model ./Atlas-Chat-2B --pack --seed 7 --out sft-packed/`;

function parseNumber(flag: string, raw: string | undefined, integer: boolean): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || (integer && !Number.isInteger(value)))
    throw badArgument(
      "data build",
      `--${flag} must be a ${integer ? "whole number" : "number"}, got '${raw}'`,
    );
  return value;
}

function progressReporter(io: CliIO): { update: (p: BuildProgress) => void; done: () => void } {
  const display = new ProgressDisplay(io);
  return {
    update(p) {
      if (p.phase === "download")
        display.update("download", { label: "downloading", done: p.done, total: p.total, unit: "bytes" });
      else if (p.phase === "tokenize")
        display.update("tokenize", {
          label: "tokenizing",
          done: p.rows,
          total: p.totalRows,
          unit: "items",
          detail: "rows",
        });
      else
        display.update("write", {
          label: "writing",
          done: p.samples,
          total: p.totalSamples,
          unit: "items",
          detail: "samples",
        });
    },
    done: () => display.clear(),
  };
}

/** Short text of what a build did. */
export function buildSummary(stats: SftStats): string[] {
  const t = stats.totals;
  const dropped = Object.entries(t.dropped).sort((a, b) => b[1] - a[1]);
  const lines = [
    `${t.rows} rows read: ${t.kept} kept, ${t.rows - t.kept} dropped (${(stats.dropRate * 100).toFixed(2)}%), ${t.truncated} truncated (${(stats.truncationRate * 100).toFixed(2)}%)`,
    ...dropped.map(([reason, n]) => `  dropped ${n}: ${reason}`),
    `${t.tokens} tokens, ${t.trainedTokens} trained (${t.tokens === 0 ? 0 : ((t.trainedTokens / t.tokens) * 100).toFixed(1)}%); lengths p50 ${stats.lengths.p50}, p90 ${stats.lengths.p90}, p99 ${stats.lengths.p99}, max ${stats.lengths.max}`,
  ];
  for (const [name, split] of Object.entries(stats.splits))
    lines.push(
      `${name}: ${split.rows} rows${stats.packed ? ` (${split.samples} samples, fill ${((split.fill ?? 0) * 100).toFixed(1)}%)` : ""}, ${split.tokens} tokens in ${split.parquet.length} parquet + ${split.jsonl.length} jsonl shards`,
    );
  return lines;
}

/** Runs `atlas data build`. */
export async function runDataBuild(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("data build", argv, FLAGS);
  if (positionals.length > 0) throw badArgument("data build", `unexpected argument '${positionals[0]}'`);
  if (values.dataset === undefined)
    throw badArgument("data build", "missing --dataset (a hub id or a local file or folder)");
  if (values.out === undefined) throw badArgument("data build", "missing --out <folder>");
  if (values.truncate === true && values.drop === true)
    throw badArgument("data build", "give --truncate or --drop, not both");
  const val = parseNumber("val", values.val, false);
  const seed = parseNumber("seed", values.seed, true);
  const progress = progressReporter(io);
  let result;
  try {
    result = await buildSftData({
      dataset: values.dataset,
      model: values.model ?? defaultModelRef(io),
      out: resolve(values.out),
      policy: values.truncate === true ? "truncate" : "drop",
      pack: values.pack === true,
      env: io.env,
      signal: io.signal,
      overwrite: values.force === true,
      onProgress: progress.update,
      onNotice: (message) => eprintln(io, `note: ${message}`),
      ...(values["max-len"] === undefined
        ? {}
        : { maxLen: parsePositiveInt("data build", "max-len", values["max-len"])! }),
      ...(val === undefined ? {} : { valFraction: val }),
      ...(seed === undefined ? {} : { seed }),
      ...(values["data-dir"] === undefined ? {} : { dataDir: values["data-dir"] }),
      ...(values.split === undefined ? {} : { split: values.split }),
      ...(values.revision === undefined ? {} : { revision: values.revision }),
      ...(values["source-column"] === undefined ? {} : { sourceColumn: values["source-column"] }),
      ...(values.limit === undefined
        ? {}
        : { limit: parsePositiveInt("data build", "limit", values.limit)! }),
      ...(values["shard-rows"] === undefined
        ? {}
        : { rowsPerShard: parsePositiveInt("data build", "shard-rows", values["shard-rows"])! }),
    });
  } finally {
    progress.done();
  }
  if (values.json === true) printJson(io, result.stats);
  else {
    for (const text of buildSummary(result.stats)) println(io, text);
    println(
      io,
      `wrote ${result.out} in ${formatDuration(result.seconds)} (${Math.round(result.rowsPerSecond)} rows/s, peak RSS ${formatBytes(process.resourceUsage().maxRSS * 1024)})`,
    );
  }
  return 0;
}
