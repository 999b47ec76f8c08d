/**
 * Writes safetensors files (and sharded checkpoints with `model.safetensors.index.json`) for tests and
 * benchmarks. Tensor data is streamed from callbacks, so a multi-gigabyte tensor is never in memory whole.
 *
 * Layout: u64 LE header length N, N bytes of UTF-8 JSON (space-padded so the data starts 8-aligned), data.
 */
import { mkdir, open, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The dtypes this writer produces. */
export type SafetensorsDtype = "F32" | "F16" | "BF16";

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = { F32: 4, F16: 2, BF16: 2 };

/** One tensor to write: its header entry plus a producer of its bytes. */
export interface TensorSource {
  name: string;
  dtype: SafetensorsDtype;
  shape: readonly number[];
  /**
   * Produces the tensor's little-endian row-major bytes, in order, in chunks of any size. Called once,
   * when the tensor is written; the total must equal `tensorByteLength(dtype, shape)`. A chunk must not be
   * reused by the producer after it is yielded (it may still be queued for writing).
   */
  data: () => Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
}

/** Options of {@link writeSafetensors}. */
export interface WriteSafetensorsOptions {
  /** `__metadata__` (string → string); default `{ format: "pt" }` as PyTorch's `save_file` writes. */
  metadata?: Record<string, string>;
  /** Called after every chunk with the number of tensor-data bytes written so far by this call. */
  onChunk?: (bytes: number) => void;
}

/** Size in bytes of a tensor's data. */
export function tensorByteLength(dtype: SafetensorsDtype, shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1) * DTYPE_BYTES[dtype];
}

/**
 * Builds the header bytes (length prefix included) for tensors stored back to back in the given order.
 * Exported so tests can reason about file offsets.
 */
export function buildSafetensorsHeader(
  tensors: readonly Pick<TensorSource, "name" | "dtype" | "shape">[],
  metadata: Record<string, string> = { format: "pt" },
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    if (t.name in header) throw new Error(`safetensors: duplicate tensor name ${t.name}`);
    const end = offset + tensorByteLength(t.dtype, t.shape);
    header[t.name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, end] };
    offset = end;
  }
  return encodeHeader(JSON.stringify(header));
}

/** Length prefix + JSON, padded with spaces so that the data section starts at a multiple of 8. */
function encodeHeader(json: string, declaredLength?: number): Uint8Array {
  const body = new TextEncoder().encode(json);
  const padded = Math.ceil(body.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8);
  out.set(body, 8);
  new DataView(out.buffer).setBigUint64(0, BigInt(declaredLength ?? padded), true);
  return out;
}

/**
 * Writes one safetensors file, streaming each tensor's data. Rejects if a producer yields the wrong
 * number of bytes (the partial file is left for inspection).
 *
 * @returns the file size in bytes.
 */
export async function writeSafetensors(
  path: string,
  tensors: readonly TensorSource[],
  options: WriteSafetensorsOptions = {},
): Promise<number> {
  const header = buildSafetensorsHeader(tensors, options.metadata);
  const file = await open(path, "w");
  let position = 0;
  let dataBytes = 0;
  try {
    await file.write(header, 0, header.length, position);
    position += header.length;
    for (const t of tensors) {
      const expected = tensorByteLength(t.dtype, t.shape);
      let written = 0;
      for await (const chunk of t.data()) {
        written += chunk.length;
        if (written > expected) break;
        await file.write(chunk, 0, chunk.length, position);
        position += chunk.length;
        dataBytes += chunk.length;
        options.onChunk?.(dataBytes);
      }
      if (written !== expected) {
        throw new Error(`safetensors: tensor ${t.name} produced ${written} bytes, expected ${expected}`);
      }
    }
  } finally {
    await file.close();
  }
  return position;
}

/** A file whose header and data are given verbatim: for tests of readers against broken input. */
export interface RawSafetensorsFile {
  /** The header: an object (serialized with JSON.stringify) or the exact header text. */
  header: Record<string, unknown> | string;
  /** The data section, written verbatim after the header (may be shorter than the header claims). */
  data?: Uint8Array;
  /** The u64 written as header length; default the true (padded) length. Set it to lie. */
  declaredHeaderLength?: number | bigint;
  /** Skip the space padding to a multiple of 8 (default false). */
  unpadded?: boolean;
  /** Cut the whole file to this many bytes (e.g. 5 to truncate inside the length prefix). */
  truncateTo?: number;
}

/**
 * Writes a deliberately malformed (or hand-built) safetensors file: a custom header object or text, any
 * declared header length, raw data bytes, optional truncation.
 *
 * @example
 * // offsets that point past the end of the data
 * await writeRawSafetensors(p, { header: { w: { dtype: "F32", shape: [4], data_offsets: [0, 16] } }, data: new Uint8Array(8) });
 */
export async function writeRawSafetensors(path: string, file: RawSafetensorsFile): Promise<void> {
  const json = typeof file.header === "string" ? file.header : JSON.stringify(file.header);
  let headerBytes: Uint8Array;
  if (file.unpadded === true) {
    const body = new TextEncoder().encode(json);
    headerBytes = new Uint8Array(8 + body.length);
    headerBytes.set(body, 8);
    new DataView(headerBytes.buffer).setBigUint64(0, BigInt(body.length), true);
  } else {
    headerBytes = encodeHeader(json);
  }
  if (file.declaredHeaderLength !== undefined) {
    new DataView(headerBytes.buffer).setBigUint64(0, BigInt(file.declaredHeaderLength), true);
  }
  const data = file.data ?? new Uint8Array(0);
  let bytes = new Uint8Array(headerBytes.length + data.length);
  bytes.set(headerBytes, 0);
  bytes.set(data, headerBytes.length);
  if (file.truncateTo !== undefined) bytes = bytes.subarray(0, file.truncateTo);
  await writeFile(path, bytes);
}

/** Options of {@link writeShardedCheckpoint}. */
export interface WriteShardedCheckpointOptions {
  /** Number of files: 1 → `model.safetensors`; N ≥ 2 → `model-0000k-of-0000N.safetensors` + index. */
  shards?: number;
  /** `__metadata__` of every shard; default `{ format: "pt" }`. */
  metadata?: Record<string, string>;
  /** Progress over all shards: tensor-data bytes written so far and in total. */
  onProgress?: (bytesWritten: number, totalBytes: number) => void;
}

/** What {@link writeShardedCheckpoint} wrote. */
export interface ShardedCheckpoint {
  /** File names (relative to the folder): the shards in order, then the index if there is one. */
  files: string[];
  /** Sum of all tensors' data bytes (the index's `metadata.total_size`). */
  totalSize: number;
  /** Tensor name → shard file name. */
  weightMap: Record<string, string>;
}

/** The Hugging Face shard file name, e.g. `model-00002-of-00003.safetensors`. */
export function shardFileName(index: number, count: number): string {
  const pad = (n: number): string => String(n).padStart(5, "0");
  return `model-${pad(index + 1)}-of-${pad(count)}.safetensors`;
}

/**
 * Splits tensors, in order, into `shards` consecutive non-empty groups of roughly equal byte size.
 * A tensor goes to the current shard while its midpoint stays inside that shard's share of the bytes.
 */
export function planShards<T extends Pick<TensorSource, "dtype" | "shape">>(
  tensors: readonly T[],
  shards: number,
): T[][] {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shards must be ≥ 1, got ${shards}`);
  if (shards > tensors.length) {
    throw new RangeError(`cannot split ${tensors.length} tensors into ${shards} non-empty shards`);
  }
  const sizes = tensors.map((t) => tensorByteLength(t.dtype, t.shape));
  const total = sizes.reduce((a, b) => a + b, 0);
  const groups: T[][] = [];
  let next = 0;
  let before = 0;
  for (let k = 0; k < shards; k++) {
    const group: T[] = [];
    const shardEnd = (total * (k + 1)) / shards;
    const isLast = k === shards - 1;
    while (next < tensors.length) {
      const size = sizes[next]!;
      const leftAfter = tensors.length - next - 1;
      const fits = before + size / 2 <= shardEnd;
      // Every later shard needs at least one tensor; the last shard takes whatever is left.
      if (!isLast && group.length > 0 && (!fits || leftAfter < shards - k - 1)) break;
      group.push(tensors[next]!);
      before += size;
      next++;
      if (!isLast && leftAfter === shards - k - 1) break;
    }
    groups.push(group);
  }
  return groups;
}

/**
 * Writes tensors as a Hugging Face checkpoint into `dir` (created if needed): one `model.safetensors`, or
 * N shards plus `model.safetensors.index.json` (`{"metadata":{"total_size"},"weight_map"}`, keys sorted as
 * transformers writes them).
 */
export async function writeShardedCheckpoint(
  dir: string,
  tensors: readonly TensorSource[],
  options: WriteShardedCheckpointOptions = {},
): Promise<ShardedCheckpoint> {
  const shards = options.shards ?? 1;
  const groups = planShards(tensors, shards);
  const totalSize = tensors.reduce((n, t) => n + tensorByteLength(t.dtype, t.shape), 0);
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const weightMap: Record<string, string> = {};
  let done = 0;
  for (const [k, group] of groups.entries()) {
    const name = shards === 1 ? "model.safetensors" : shardFileName(k, shards);
    const base = done;
    const onChunk = options.onProgress
      ? (bytes: number): void => options.onProgress?.(base + bytes, totalSize)
      : undefined;
    await writeSafetensors(join(dir, name), group, {
      ...(options.metadata ? { metadata: options.metadata } : {}),
      ...(onChunk ? { onChunk } : {}),
    });
    done += group.reduce((n, t) => n + tensorByteLength(t.dtype, t.shape), 0);
    for (const t of group) weightMap[t.name] = name;
    files.push(name);
  }
  if (shards > 1) {
    const sorted = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : 1)));
    const index = { metadata: { total_size: totalSize }, weight_map: sorted };
    await writeFile(join(dir, "model.safetensors.index.json"), JSON.stringify(index, null, 2) + "\n");
    files.push("model.safetensors.index.json");
  }
  return { files, totalSize, weightMap };
}
