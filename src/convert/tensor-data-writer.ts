/**
 * Streams tensor data from safetensors shards into a GGUF, a chunk of rows at a time: read the source
 * bytes, decode to F32, apply the plan's changes, encode to the output type, write. Buffers are reused, so
 * memory stays at a few chunk sizes whatever the model size.
 */
import type { FileHandle } from "node:fs/promises";
import { AtlasError, ioError } from "../core/index.js";
import { decodeBf16, decodeF16, f16ToF32, f32ToBf16, f32ToF16 } from "./float16.js";
import { GGML_TYPE, ggmlTypeInfo } from "./ggml-types.js";
import { openForRead, readExactly } from "./file-io.js";
import { alignUp } from "./gguf-types.js";
import { CONVERT_CHUNK_BYTES } from "./limits.js";
import { defaultThreads } from "../config/index.js";
import { quantizeRows } from "../native/quantize-rows.js";
import { quantizeQ4_0, quantizeQ8_0 } from "./quantize-blocks.js";
import type { TensorPlan } from "./tensor-plan.js";

/** Progress after each chunk. */
export type DataProgress = (tensorsDone: number, bytesDone: number, tensor: string) => void;

/** Options of {@link writeTensorData}. */
export interface WriteTensorDataOptions {
  plans: readonly TensorPlan[];
  out: FileHandle;
  outPath: string;
  /** Absolute offset of the data section in `out`. */
  dataOffset: number;
  alignment: number;
  signal: AbortSignal | undefined;
  onProgress: DataProgress | undefined;
  /** Threads for types quantized by llama.cpp's routine (K-quants). Default the machine's cores. */
  threads?: number | undefined;
}

const DTYPE_BYTES = { F32: 4, F16: 2, BF16: 2 } as const;

/** One pipeline slot: a source buffer and an output buffer, grown on demand. */
class Slot {
  raw = Buffer.alloc(0);
  out = Buffer.alloc(0);
  rawFor(n: number): Buffer {
    if (this.raw.length < n) this.raw = Buffer.alloc(n);
    return this.raw;
  }
  outFor(n: number): Buffer {
    if (this.out.length < n) this.out = Buffer.alloc(n);
    return this.out;
  }
}

/** A run of rows of one tensor: where it is read from and where it is written to. */
interface Chunk {
  /** Index of the tensor in the plan list. */
  index: number;
  plan: TensorPlan;
  rows: number;
  /** Index of the chunk's first row in its tensor. */
  firstRow: number;
  srcPosition: number;
  inBytes: number;
  outPosition: number;
  outBytes: number;
  /** Zero bytes to write after this chunk (the tensor's alignment padding, on its last chunk). */
  padding: number;
  last: boolean;
}

/** Splits every tensor into chunks of whole rows whose F32 form fits {@link CONVERT_CHUNK_BYTES}. */
function planChunks(plans: readonly TensorPlan[], dataOffset: number, alignment: number): Chunk[] {
  const chunks: Chunk[] = [];
  let position = dataOffset;
  plans.forEach((plan, index) => {
    const srcRowBytes = plan.cols * DTYPE_BYTES[plan.source.dtype];
    const info = ggmlTypeInfo(plan.type)!;
    const outRowBytes = (plan.cols / info.blockSize) * info.typeSize;
    const rowsPerChunk = Math.max(1, Math.floor(CONVERT_CHUNK_BYTES / 4 / Math.max(1, plan.cols)));
    const padding = alignUp(plan.bytes, alignment) - plan.bytes;
    const total = Math.max(plan.rows, 1);
    for (let row = 0; row < total; row += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, plan.rows - row);
      const last = row + rowsPerChunk >= total;
      chunks.push({
        index,
        plan,
        rows,
        firstRow: row,
        srcPosition: plan.source.byteOffset + row * srcRowBytes,
        inBytes: rows * srcRowBytes,
        outPosition: position,
        outBytes: rows * outRowBytes,
        padding: last ? padding : 0,
        last,
      });
      position += rows * outRowBytes + (last ? padding : 0);
    }
  });
  return chunks;
}

/** Throws ABORTED when `signal` fired. */
export function checkAborted(signal: AbortSignal | undefined, where: string): void {
  if (signal?.aborted === true)
    throw new AtlasError("ABORTED", "conversion cancelled; the partial output was removed", { where });
}

async function writeAll(out: FileHandle, bytes: Uint8Array, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    try {
      const { bytesWritten } = await out.write(bytes, done, bytes.length - done, position + done);
      done += bytesWritten;
    } catch (error) {
      throw ioError("cannot write", path, error);
    }
  }
}

/** Decodes `count` source values of `dtype` from `raw` into `dst`. */
function decode(dtype: "F32" | "F16" | "BF16", raw: Buffer, dst: Float32Array): void {
  if (dtype === "BF16") decodeBf16(raw, dst);
  else if (dtype === "F16") decodeF16(raw, dst);
  else dst.set(new Float32Array(raw.buffer, raw.byteOffset, dst.length));
}

/**
 * Applies +1, the plan's own transform and the scale. +1 on F16 sources happens in F16 precision, as
 * llama.cpp's torch code does.
 */
function transform(plan: TensorPlan, values: Float32Array, firstRow: number, rows: number): void {
  if (plan.addOne) {
    if (plan.source.dtype === "F16")
      for (let i = 0; i < values.length; i++) values[i] = f16ToF32(f32ToF16(values[i]! + 1));
    else for (let i = 0; i < values.length; i++) values[i] = values[i]! + 1;
  }
  plan.transform?.(values, firstRow, rows);
  const scale = plan.scale;
  if (scale !== undefined) for (let i = 0; i < values.length; i++) values[i] = values[i]! * scale;
}

/**
 * Encodes `values` (`rows` × `cols`) as `type` into `out`. F32/F16/BF16/Q8_0/Q4_0 are written by our own
 * code; other types (the K-quants and their fallbacks) by llama.cpp's `ggml_quantize_chunk` on
 * `threads` worker threads — the routine `llama-quantize` uses, so the bytes are the same.
 */
async function encode(
  type: number,
  values: Float32Array,
  out: Buffer,
  bytes: number,
  rows: number,
  cols: number,
  threads: number,
): Promise<void> {
  switch (type) {
    case GGML_TYPE.F32:
      new Float32Array(out.buffer, out.byteOffset, values.length).set(values);
      return;
    case GGML_TYPE.F16: {
      const dst = new Uint16Array(out.buffer, out.byteOffset, values.length);
      for (let i = 0; i < values.length; i++) dst[i] = f32ToF16(values[i]!);
      return;
    }
    case GGML_TYPE.BF16: {
      const dst = new Uint16Array(out.buffer, out.byteOffset, values.length);
      for (let i = 0; i < values.length; i++) dst[i] = f32ToBf16(values[i]!);
      return;
    }
    case GGML_TYPE.Q8_0:
      quantizeQ8_0(values, out.subarray(0, bytes));
      return;
    case GGML_TYPE.Q4_0:
      quantizeQ4_0(values, out.subarray(0, bytes));
      return;
    default:
      await quantizeRows(type, values, rows, cols, out.subarray(0, bytes), threads);
  }
}

/** True when the output bytes equal the source bytes (same type, no change). */
function isRawCopy(plan: TensorPlan): boolean {
  if (plan.addOne || plan.scale !== undefined || plan.transform !== undefined) return false;
  const dtype = plan.source.dtype;
  return (
    (dtype === "F32" && plan.type === GGML_TYPE.F32) ||
    (dtype === "F16" && plan.type === GGML_TYPE.F16) ||
    (dtype === "BF16" && plan.type === GGML_TYPE.BF16)
  );
}

/**
 * Writes every planned tensor's data at its aligned offset, with zero padding after each one. Reading
 * the next chunk and writing the previous one overlap with converting the current one (two buffer slots),
 * so disk and CPU work at the same time. Opens each shard once; closes them all at the end.
 */
export async function writeTensorData(options: WriteTensorDataOptions): Promise<void> {
  const { plans, out, outPath, signal, onProgress } = options;
  const threads = options.threads ?? defaultThreads();
  const chunks = planChunks(plans, options.dataOffset, options.alignment);
  const zeros = new Uint8Array(options.alignment);
  const shards = new Map<string, Promise<FileHandle>>();
  const inFlight: Array<Promise<unknown>> = [];
  /** Marks a promise handled (its error surfaces where it is awaited) and remembers it for cleanup. */
  const track = <T>(promise: Promise<T>): Promise<T> => {
    promise.catch(() => undefined);
    inFlight.push(promise);
    return promise;
  };
  const read = async (chunk: Chunk, slot: Slot): Promise<Buffer> => {
    const file = chunk.plan.source.file;
    let shard = shards.get(file);
    if (shard === undefined) {
      shard = track(openForRead(file));
      shards.set(file, shard);
    }
    const buffer = slot.rawFor(chunk.inBytes);
    await readExactly(await shard, buffer, chunk.inBytes, chunk.srcPosition, file);
    return buffer;
  };
  const write = async (chunk: Chunk, bytes: Uint8Array): Promise<void> => {
    await writeAll(out, bytes, chunk.outPosition, outPath);
    if (chunk.padding > 0)
      await writeAll(out, zeros.subarray(0, chunk.padding), chunk.outPosition + chunk.outBytes, outPath);
  };
  const slots = [new Slot(), new Slot()] as const;
  const writes: [Promise<void> | undefined, Promise<void> | undefined] = [undefined, undefined];
  let values = new Float32Array(0);
  let bytesDone = 0;
  try {
    let next = chunks[0] === undefined ? undefined : track(read(chunks[0], slots[0]));
    for (let k = 0; k < chunks.length; k++) {
      checkAborted(signal, outPath);
      const chunk = chunks[k]!;
      const s = k % 2 === 0 ? 0 : 1;
      const mine = slots[s];
      const other = s === 0 ? slots[1] : slots[0];
      const raw = await next!;
      // The other slot gets the next chunk's bytes: its previous write must have finished.
      await writes[s === 0 ? 1 : 0];
      const following = chunks[k + 1];
      next = following === undefined ? undefined : track(read(following, other));
      const { plan } = chunk;
      let bytes: Uint8Array;
      if (isRawCopy(plan)) bytes = raw.subarray(0, chunk.inBytes);
      else {
        const count = chunk.rows * plan.cols;
        if (values.length < count) values = new Float32Array(count);
        const view = values.subarray(0, count);
        decode(plan.source.dtype, raw, view);
        transform(plan, view, chunk.firstRow, chunk.rows);
        const outBuf = mine.outFor(chunk.outBytes);
        await encode(plan.type, view, outBuf, chunk.outBytes, chunk.rows, plan.cols, threads);
        bytes = outBuf.subarray(0, chunk.outBytes);
      }
      writes[s] = track(write(chunk, bytes));
      bytesDone += chunk.outBytes;
      onProgress?.(chunk.last ? chunk.index + 1 : chunk.index, bytesDone, plan.ggufName);
    }
    await writes[0];
    await writes[1];
  } finally {
    await Promise.allSettled(inFlight);
    for (const shard of shards.values()) {
      const handle = await shard.catch(() => undefined);
      await handle?.close();
    }
  }
}
