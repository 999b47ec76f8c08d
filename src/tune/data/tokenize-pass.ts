/**
 * Pass 1 of `atlas data build`: every row of every file, in order → conversation → tokens and mask →
 * length policy → counts → a shuffle bucket on disk.
 */
import { join } from "node:path";
import { AtlasError, makeFolder } from "../../core/index.js";
import type { VocabTokenizer } from "../tokenizer/vocab-tokenizer.js";
import {
  countDrop,
  droppedTotal,
  emptyCounts,
  LengthCounter,
  type LengthStats,
  type SourceCounts,
} from "./build-stats.js";
import type { DatasetFile } from "./dataset-files.js";
import { columnsOf, countRows, readRows, type RawRow } from "./read-rows.js";
import {
  columnsFor,
  detectRowFormat,
  rowConversation,
  rowSource,
  SOURCE_COLUMNS,
  type RowFormat,
} from "./row-conversation.js";
import { ShuffleBuckets } from "./shuffle-buckets.js";
import { ConversationTokenizer, type TokenizedSample } from "./tokenize-conversation.js";

/** Rows per shuffle bucket (the memory of pass 2 is one bucket: ~4k samples). */
const ROWS_PER_BUCKET = 4096;
const MAX_BUCKETS = 1024;

/** Options of {@link tokenizePass}. */
export interface TokenizePassOptions {
  files: readonly DatasetFile[];
  tokenizer: VocabTokenizer;
  chatTemplate: string;
  /** Work folder (buckets go to `<work>/buckets`). */
  work: string;
  maxLen: number;
  policy: "drop" | "truncate";
  seed: number;
  limit?: number | undefined;
  sourceColumn?: string | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((p: { phase: "tokenize"; rows: number; totalRows: number }) => void) | undefined;
  onNotice?: ((message: string) => void) | undefined;
}

/** What pass 1 counted, and the filled buckets. */
export interface PassOneResult {
  buckets: ShuffleBuckets;
  totals: SourceCounts;
  sources: Record<string, SourceCounts>;
  lengths: LengthStats;
  /** Row formats met, comma-separated ("messages", "alpaca"…). */
  format: string;
}

/** A file's row format and source column, checked before anything is read. */
async function planFile(
  file: DatasetFile,
  sourceColumn: string | undefined,
): Promise<{ format: RowFormat; source: string | undefined }> {
  const columns = await columnsOf(file);
  const format = detectRowFormat(columns);
  if (format === undefined)
    throw new AtlasError(
      "UNSUPPORTED",
      `has none of the columns atlas reads (columns: ${columns.join(", ") || "none"})`,
      {
        where: file.path,
        hint: "give rows with `messages` ([{role, content}]), `conversations` ([{from, value}]) or `instruction`/`input`/`output`",
      },
    );
  const source = sourceColumn ?? SOURCE_COLUMNS.find((c) => columns.includes(c));
  return { format, source: source !== undefined && columns.includes(source) ? source : undefined };
}

/** Cuts a sample to `maxLen` tokens. */
function truncate(sample: TokenizedSample, maxLen: number): TokenizedSample {
  return { ids: sample.ids.slice(0, maxLen), trained: sample.trained.slice(0, maxLen) };
}

function trainedCount(sample: TokenizedSample): number {
  let n = 0;
  for (const t of sample.trained) n += t;
  return n;
}

/** Runs pass 1. */
export async function tokenizePass(options: TokenizePassOptions): Promise<PassOneResult> {
  const plans: Array<{ format: RowFormat; source: string | undefined }> = [];
  let totalRows = 0;
  for (const file of options.files) {
    const plan = await planFile(file, options.sourceColumn);
    if (options.sourceColumn !== undefined && plan.source === undefined)
      options.onNotice?.(
        `${file.name} has no column '${options.sourceColumn}': its rows count under the file's name`,
      );
    plans.push(plan);
    totalRows += await countRows(file);
  }
  if (options.limit !== undefined) totalRows = Math.min(totalRows, options.limit);
  const bucketDir = join(options.work, "buckets");
  await makeFolder(bucketDir, "cannot create the work folder");
  const buckets = new ShuffleBuckets(
    bucketDir,
    Math.min(MAX_BUCKETS, Math.max(1, Math.ceil(totalRows / ROWS_PER_BUCKET))),
    options.seed,
  );
  const encoder = new ConversationTokenizer(options.tokenizer, options.chatTemplate);
  const totals = emptyCounts();
  const sources = new Map<string, SourceCounts>();
  const lengths = new LengthCounter();
  const formats = new Set<string>();
  const done = (): boolean => options.limit !== undefined && totals.rows >= options.limit;
  for (const [index, file] of options.files.entries()) {
    if (done()) break;
    const plan = plans[index]!;
    formats.add(plan.format);
    for await (const raw of readRows(file, [
      ...columnsFor(plan.format),
      ...(plan.source === undefined ? [] : [plan.source]),
    ])) {
      if (done()) break;
      options.signal?.throwIfAborted();
      const name = "row" in raw ? rowSource(raw.row, plan.source, file.name) : file.name;
      let counts = sources.get(name);
      if (counts === undefined) sources.set(name, (counts = emptyCounts()));
      totals.rows++;
      counts.rows++;
      const outcome = processRow(raw, plan.format, encoder, options, lengths);
      if (typeof outcome === "string") {
        countDrop(totals, outcome);
        countDrop(counts, outcome);
      } else {
        for (const c of [totals, counts]) {
          c.kept++;
          c.tokens += outcome.sample.ids.length;
          c.trainedTokens += trainedCount(outcome.sample);
          if (outcome.truncated) c.truncated++;
        }
        await buckets.add(outcome.sample);
      }
      if (totals.rows % 256 === 0) options.onProgress?.({ phase: "tokenize", rows: totals.rows, totalRows });
    }
  }
  await buckets.close();
  options.onProgress?.({ phase: "tokenize", rows: totals.rows, totalRows });
  if (totals.kept === 0) {
    const reasons = Object.entries(totals.dropped)
      .sort((a, b) => b[1] - a[1])
      .map(([r, n]) => `${r}: ${n}`);
    throw new AtlasError(
      "INVALID_MODEL",
      `no usable row among ${totals.rows} (${droppedTotal(totals)} dropped — ${reasons.join(", ") || "the dataset is empty"})`,
      {
        hint: "check the dataset's columns and --max-len",
      },
    );
  }
  const sorted = Object.fromEntries([...sources.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    buckets,
    totals,
    sources: sorted,
    lengths: lengths.summary(),
    format: [...formats].sort().join(","),
  };
}

/** One row → a kept sample (maybe truncated), or the reason it was dropped. */
function processRow(
  raw: RawRow,
  format: RowFormat,
  encoder: ConversationTokenizer,
  options: TokenizePassOptions,
  lengths: LengthCounter,
): { sample: TokenizedSample; truncated: boolean } | string {
  if ("error" in raw) return "unreadable row";
  const conversation = rowConversation(raw.row, format);
  if ("skip" in conversation) return conversation.skip;
  const outcome = encoder.tokenize(conversation.messages);
  if ("skip" in outcome) return outcome.skip;
  const n = outcome.sample.ids.length;
  lengths.add(n);
  if (n <= options.maxLen) return { sample: outcome.sample, truncated: false };
  if (options.policy === "drop") return "longer than max-len";
  const cut = truncate(outcome.sample, options.maxLen);
  if (trainedCount(cut) === 0) return "no trained token within max-len";
  return { sample: cut, truncated: true };
}
