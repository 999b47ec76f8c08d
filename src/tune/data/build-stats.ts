/**
 * What `atlas data build` counts, and the `stats.json` it writes: rows read, kept, dropped (by reason)
 * and truncated, per source and in total; tokens and trained tokens; the exact length distribution
 * (histogram and percentiles); per-split rows and packing fill. Timing is left out so that the same input
 * and seed give the same bytes.
 */

/** Version of the `stats.json` layout. */
export const STATS_VERSION = 1;

/** Counts of one source (or of everything). */
export interface SourceCounts {
  /** Rows read. */
  rows: number;
  /** Samples kept (after the length policy). */
  kept: number;
  /** Rows dropped, by reason ("too long", "no assistant turn", …). */
  dropped: Record<string, number>;
  /** Samples cut to --max-len (policy truncate). */
  truncated: number;
  /** Tokens of the kept samples, and of those the trained ones (labels ≠ -100). */
  tokens: number;
  trainedTokens: number;
}

/** One histogram bin: lengths in [from, to). */
export interface LengthBin {
  from: number;
  to: number;
  count: number;
}

/** Lengths (in tokens, before the length policy) of every tokenized conversation. */
export interface LengthStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  /** Power-of-two bins: [1, 2), [2, 4), … up to the longest. */
  histogram: LengthBin[];
}

/** One written split. */
export interface SplitStats {
  /** Rows in the files (samples, or packs with --pack). */
  rows: number;
  samples: number;
  tokens: number;
  trainedTokens: number;
  /** Packed only: tokens / (rows × max-len). */
  fill?: number;
  parquet: string[];
  jsonl: string[];
}

/** The whole of `stats.json`. */
export interface SftStats {
  version: number;
  dataset: string;
  split: string;
  /** Files read, relative to the dataset root. */
  files: string[];
  model: string;
  /** Where the tokenizer came from ("gguf", "checkpoint", "hub"). */
  tokenizer: string;
  format: string;
  maxLen: number;
  policy: "drop" | "truncate";
  packed: boolean;
  seed: number;
  valFraction: number;
  columns: string[];
  totals: SourceCounts;
  /** Dropped rows / rows read; truncated samples / rows read. */
  dropRate: number;
  truncationRate: number;
  sources: Record<string, SourceCounts>;
  lengths: LengthStats;
  splits: Record<string, SplitStats>;
}

/** Fresh zero counts. */
export function emptyCounts(): SourceCounts {
  return { rows: 0, kept: 0, dropped: {}, truncated: 0, tokens: 0, trainedTokens: 0 };
}

/** Exact counts per length (distinct lengths are few), summarized at the end. */
export class LengthCounter {
  private readonly counts = new Map<number, number>();

  add(length: number): void {
    this.counts.set(length, (this.counts.get(length) ?? 0) + 1);
  }

  summary(): LengthStats {
    const lengths = [...this.counts.keys()].sort((a, b) => a - b);
    const count = lengths.reduce((n, l) => n + this.counts.get(l)!, 0);
    const sum = lengths.reduce((n, l) => n + l * this.counts.get(l)!, 0);
    const percentile = (p: number): number => {
      // Nearest rank: the smallest length with at least p·count samples at or below it.
      const rank = Math.max(1, Math.ceil(p * count));
      let seen = 0;
      for (const l of lengths) {
        seen += this.counts.get(l)!;
        if (seen >= rank) return l;
      }
      return 0;
    };
    const histogram: LengthBin[] = [];
    const max = lengths.at(-1) ?? 0;
    for (let from = 1; from <= Math.max(1, max); from *= 2) {
      const to = from * 2;
      let n = 0;
      for (const l of lengths) if (l >= from && l < to) n += this.counts.get(l)!;
      histogram.push({ from, to, count: n });
    }
    return {
      count,
      min: lengths[0] ?? 0,
      max,
      mean: count === 0 ? 0 : Math.round((sum / count) * 100) / 100,
      p50: percentile(0.5),
      p90: percentile(0.9),
      p99: percentile(0.99),
      histogram,
    };
  }
}

/** Adds `reason` to a dropped-count map. */
export function countDrop(counts: SourceCounts, reason: string): void {
  counts.dropped[reason] = (counts.dropped[reason] ?? 0) + 1;
}

/** Rows dropped for any reason. */
export function droppedTotal(counts: SourceCounts): number {
  return Object.values(counts.dropped).reduce((a, b) => a + b, 0);
}
