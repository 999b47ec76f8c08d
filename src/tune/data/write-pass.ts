/**
 * Pass 2 of `atlas data build`: the shuffled samples → validation (the first `val` share) and train
 * splits → packed or one per row → parquet + jsonl shards.
 */
import { makeFolder } from "../../core/index.js";
import { join } from "node:path";
import type { SplitStats } from "./build-stats.js";
import { SamplePacker } from "./sample-packer.js";
import { packedRow, sampleRow, sftColumns } from "./sft-columns.js";
import { ShardWriter } from "./shard-writer.js";
import type { ShuffleBuckets } from "./shuffle-buckets.js";
import type { TokenizedSample } from "./tokenize-conversation.js";

/** Options of {@link writePass}. */
export interface WritePassOptions {
  work: string;
  buckets: ShuffleBuckets;
  /** Samples in the buckets. */
  kept: number;
  maxLen: number;
  valFraction: number;
  pack?: boolean | undefined;
  rowsPerShard: number;
  signal?: AbortSignal | undefined;
  onProgress?: ((p: { phase: "write"; samples: number; totalSamples: number }) => void) | undefined;
}

/** The split sizes written, and the columns. */
export interface PassTwoResult {
  splits: Record<string, SplitStats>;
  columns: string[];
}

/**
 * Samples in the validation split: `round(kept × val)`, at least 1 when `val > 0` and at least one
 * sample is left for training.
 */
export function validationCount(kept: number, valFraction: number): number {
  if (valFraction <= 0 || kept < 2) return 0;
  return Math.min(kept - 1, Math.max(1, Math.round(kept * valFraction)));
}

/** One split's writer, packer and counts. */
class SplitSink {
  readonly writer: ShardWriter;
  readonly packer: SamplePacker | undefined;
  readonly stats: Omit<SplitStats, "parquet" | "jsonl"> = {
    rows: 0,
    samples: 0,
    tokens: 0,
    trainedTokens: 0,
  };

  constructor(work: string, name: string, options: WritePassOptions) {
    this.writer = new ShardWriter(work, name, options.pack === true, options.rowsPerShard);
    this.packer =
      options.pack === true
        ? new SamplePacker(options.maxLen, (samples) =>
            this.writer.write(packedRow(samples)).then(() => void this.stats.rows++),
          )
        : undefined;
  }

  async add(sample: TokenizedSample): Promise<void> {
    this.stats.samples++;
    this.stats.tokens += sample.ids.length;
    for (const t of sample.trained) this.stats.trainedTokens += t;
    if (this.packer !== undefined) await this.packer.add(sample);
    else {
      await this.writer.write(sampleRow(sample));
      this.stats.rows++;
    }
  }

  async finish(maxLen: number): Promise<SplitStats> {
    await this.packer?.flush();
    const files = await this.writer.finish();
    const fill =
      this.packer === undefined || this.stats.rows === 0
        ? undefined
        : Math.round((this.stats.tokens / (this.stats.rows * maxLen)) * 10000) / 10000;
    return { ...this.stats, ...(fill === undefined ? {} : { fill }), ...files };
  }
}

/** Runs pass 2. */
export async function writePass(options: WritePassOptions): Promise<PassTwoResult> {
  await makeFolder(join(options.work, "parquet"), "cannot create the work folder");
  await makeFolder(join(options.work, "jsonl"), "cannot create the work folder");
  const val = validationCount(options.kept, options.valFraction);
  const train = new SplitSink(options.work, "train", options);
  const validation = val > 0 ? new SplitSink(options.work, "validation", options) : undefined;
  let seen = 0;
  try {
    for await (const sample of options.buckets.shuffled()) {
      options.signal?.throwIfAborted();
      await (seen < val ? validation! : train).add(sample);
      seen++;
      if (seen % 256 === 0)
        options.onProgress?.({ phase: "write", samples: seen, totalSamples: options.kept });
    }
    const splits: Record<string, SplitStats> = { train: await train.finish(options.maxLen) };
    if (validation !== undefined) splits["validation"] = await validation.finish(options.maxLen);
    options.onProgress?.({ phase: "write", samples: seen, totalSamples: options.kept });
    return { splits, columns: sftColumns(options.pack === true) };
  } catch (error) {
    train.writer.abandon();
    validation?.writer.abandon();
    throw error;
  }
}
