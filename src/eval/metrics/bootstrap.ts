/**
 * `rouge_score.scoring.BootstrapAggregator` with a seeded generator: 1000 resamples (with replacement)
 * of the per-pair scores, the mean of each, and the 2.5th / 50th / 97.5th percentiles of those means
 * (numpy's linear interpolation). `evaluate`'s "rouge" reports the middle one ("mid"). Python draws
 * from numpy's unseeded global generator, so its value varies run to run by the bootstrap noise; ours is
 * deterministic (seed 1234 unless given) and reproducible, not bit-identical to any one Python run.
 */

/** Options of {@link bootstrapMean}. */
export interface BootstrapOptions {
  /** Resamples. Default 1000 (rouge_score's). */
  samples?: number;
  /** Default 0.95. */
  confidence?: number;
  /** Seed of the resampling generator. Default 1234. */
  seed?: number;
}

/** Low / mid / high estimates of a mean. */
export interface BootstrapInterval {
  low: number;
  mid: number;
  high: number;
}

/** Deterministic 32-bit generator (mulberry32) → [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** numpy's `percentile(values, q)` with the default linear interpolation; `sorted` ascending. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (q / 100) * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  const fraction = position - lower;
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * fraction;
}

/** Bootstrap interval of the mean of `values` (empty → NaN everywhere). */
export function bootstrapMean(values: readonly number[], options: BootstrapOptions = {}): BootstrapInterval {
  if (values.length === 0) return { low: Number.NaN, mid: Number.NaN, high: Number.NaN };
  const samples = options.samples ?? 1000;
  const random = seededRandom(options.seed ?? 1234);
  const means: number[] = [];
  for (let s = 0; s < samples; s++) {
    let total = 0;
    for (let i = 0; i < values.length; i++) total += values[Math.floor(random() * values.length)]!;
    means.push(total / values.length);
  }
  means.sort((a, b) => a - b);
  const delta = (1 - (options.confidence ?? 0.95)) / 2;
  return {
    low: percentile(means, 100 * delta),
    mid: percentile(means, 50),
    high: percentile(means, 100 * (1 - delta)),
  };
}
