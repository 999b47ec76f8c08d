/**
 * A deterministic shuffle of more samples than fit in memory (the classic two-pass external shuffle):
 * pass 1 sends each sample to one of `buckets` files on disk, chosen by a seeded random draw; pass 2
 * reads the buckets in order, shuffles each in memory with its own seeded stream, and yields them. With
 * a uniform bucket choice and a uniform shuffle inside each bucket, the whole order is a uniform random
 * permutation; memory holds one bucket.
 *
 * Record layout (little-endian): u32 n, n × i32 ids, n × u8 trained, zero padding to 4 bytes.
 */
import { open, readFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { ioError } from "../../core/index.js";
import { SeededRandom } from "./seeded-random.js";
import type { TokenizedSample } from "./tokenize-conversation.js";

/** Bytes a bucket buffers before it is appended to its file. */
const FLUSH_BYTES = 64 * 1024;

function recordBytes(n: number): number {
  return 4 + 4 * n + Math.ceil(n / 4) * 4;
}

/** The bucket files of one build. */
export class ShuffleBuckets {
  private readonly random: SeededRandom;
  private readonly pending: Buffer[][];
  private readonly pendingBytes: number[];
  private readonly handles: Array<FileHandle | undefined>;
  /** Samples in each bucket. */
  readonly counts: number[];

  constructor(
    private readonly dir: string,
    readonly buckets: number,
    private readonly seed: number,
  ) {
    this.random = new SeededRandom(seed, 0xb0c4e7);
    this.pending = Array.from({ length: buckets }, () => []);
    this.pendingBytes = new Array<number>(buckets).fill(0);
    this.handles = new Array<FileHandle | undefined>(buckets).fill(undefined);
    this.counts = new Array<number>(buckets).fill(0);
  }

  private path(bucket: number): string {
    return join(this.dir, `bucket-${String(bucket).padStart(4, "0")}.bin`);
  }

  private async flush(bucket: number): Promise<void> {
    const chunks = this.pending[bucket]!;
    if (chunks.length === 0) return;
    const path = this.path(bucket);
    try {
      const handle = (this.handles[bucket] ??= await open(path, "a"));
      await handle.write(Buffer.concat(chunks));
    } catch (error) {
      throw ioError("cannot write the shuffle buffer", path, error);
    }
    this.pending[bucket] = [];
    this.pendingBytes[bucket] = 0;
  }

  /** Sends `sample` to a random bucket (the choice depends only on the seed and the samples before). */
  async add(sample: TokenizedSample): Promise<void> {
    const bucket = this.buckets === 1 ? 0 : this.random.below(this.buckets);
    const n = sample.ids.length;
    const record = Buffer.alloc(recordBytes(n));
    record.writeUInt32LE(n, 0);
    Buffer.from(sample.ids.buffer, sample.ids.byteOffset, 4 * n).copy(record, 4);
    Buffer.from(sample.trained.buffer, sample.trained.byteOffset, n).copy(record, 4 + 4 * n);
    this.pending[bucket]!.push(record);
    this.pendingBytes[bucket]! += record.length;
    this.counts[bucket]!++;
    if (this.pendingBytes[bucket]! >= FLUSH_BYTES) await this.flush(bucket);
  }

  /** Writes what is buffered and closes the files (call once, after the last `add`). */
  async close(): Promise<void> {
    for (let b = 0; b < this.buckets; b++) await this.flush(b);
    for (const handle of this.handles) await handle?.close();
    this.handles.fill(undefined);
  }

  /** Every sample, bucket by bucket, each bucket shuffled with its own seeded stream. */
  async *shuffled(): AsyncGenerator<TokenizedSample> {
    for (let b = 0; b < this.buckets; b++) {
      if (this.counts[b] === 0) continue;
      const path = this.path(b);
      let bytes: Uint8Array;
      try {
        // A fresh, 4-aligned copy so the ids can be viewed as an Int32Array in place.
        bytes = new Uint8Array(await readFile(path));
      } catch (error) {
        throw ioError("cannot read the shuffle buffer", path, error);
      }
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const samples: TokenizedSample[] = [];
      for (let at = 0; at < bytes.length;) {
        const n = view.getUint32(at, true);
        const ids = new Int32Array(bytes.buffer, bytes.byteOffset + at + 4, n);
        const trained = bytes.subarray(at + 4 + 4 * n, at + 4 + 5 * n);
        samples.push({ ids, trained });
        at += recordBytes(n);
      }
      new SeededRandom(this.seed, b + 1).shuffle(samples);
      yield* samples;
    }
  }
}
