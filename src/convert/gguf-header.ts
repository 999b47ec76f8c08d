/**
 * Serializes a GGUF v3 header: magic, version, counts, metadata, tensor infos and the padding up to the
 * data section. Tensor offsets are assigned here (each tensor aligned, as gguf-py does), so the data can
 * then be streamed tensor by tensor.
 */
import { AtlasError } from "../core/index.js";
import { ggmlTensorBytes } from "./ggml-types.js";
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_TYPE,
  GGUF_VERSION,
  alignUp,
  type GgufKv,
  type GgufScalar,
  type GgufTensorInfo,
} from "./gguf-types.js";
import { GGML_MAX_DIMS, GGUF_MAX_TENSOR_NAME_BYTES } from "./limits.js";

/** A tensor to lay out: name, ggml dims (ne[0] innermost) and ggml type. */
export interface GgufTensorSpec {
  name: string;
  ne: number[];
  type: number;
}

/** The serialized header and the final tensor infos. */
export interface GgufHeader {
  /** Header bytes, padded to the alignment: tensor data starts right after. */
  bytes: Buffer;
  tensors: GgufTensorInfo[];
  /** Size of the data section (every tensor padded to the alignment). */
  dataBytes: number;
  alignment: number;
}

/** A growable little-endian byte buffer. */
class ByteSink {
  private buffer = Buffer.alloc(1 << 16);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
  u8(v: number): void {
    this.reserve(1);
    this.buffer.writeUInt8(v, this.length);
    this.length += 1;
  }
  i8(v: number): void {
    this.reserve(1);
    this.buffer.writeInt8(v, this.length);
    this.length += 1;
  }
  u16(v: number): void {
    this.reserve(2);
    this.buffer.writeUInt16LE(v, this.length);
    this.length += 2;
  }
  i16(v: number): void {
    this.reserve(2);
    this.buffer.writeInt16LE(v, this.length);
    this.length += 2;
  }
  u32(v: number): void {
    this.reserve(4);
    this.buffer.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.buffer.writeInt32LE(v, this.length);
    this.length += 4;
  }
  f32(v: number): void {
    this.reserve(4);
    this.buffer.writeFloatLE(v, this.length);
    this.length += 4;
  }
  f64(v: number): void {
    this.reserve(8);
    this.buffer.writeDoubleLE(v, this.length);
    this.length += 8;
  }
  u64(v: number | bigint): void {
    this.reserve(8);
    this.buffer.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  i64(v: number | bigint): void {
    this.reserve(8);
    this.buffer.writeBigInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  string(v: string): void {
    const bytes = Buffer.byteLength(v, "utf8");
    this.u64(bytes);
    this.reserve(bytes);
    this.buffer.write(v, this.length, "utf8");
    this.length += bytes;
  }
  pad(alignment: number): void {
    const target = alignUp(this.length, alignment);
    this.reserve(target - this.length);
    this.buffer.fill(0, this.length, target);
    this.length = target;
  }
  take(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

function badValue(key: string, type: number, value: unknown): AtlasError {
  return new AtlasError(
    "BAD_ARGUMENT",
    `metadata '${key}': ${JSON.stringify(String(value))} is not a valid value of GGUF type ${type}`,
  );
}

function writeScalar(sink: ByteSink, key: string, type: number, value: GgufScalar): void {
  const num = (): number => {
    if (typeof value !== "number") throw badValue(key, type, value);
    return value;
  };
  switch (type) {
    case GGUF_TYPE.UINT8:
      return sink.u8(num());
    case GGUF_TYPE.INT8:
      return sink.i8(num());
    case GGUF_TYPE.UINT16:
      return sink.u16(num());
    case GGUF_TYPE.INT16:
      return sink.i16(num());
    case GGUF_TYPE.UINT32:
      return sink.u32(num());
    case GGUF_TYPE.INT32:
      return sink.i32(num());
    case GGUF_TYPE.FLOAT32:
      return sink.f32(num());
    case GGUF_TYPE.FLOAT64:
      return sink.f64(num());
    case GGUF_TYPE.BOOL:
      if (typeof value !== "boolean") throw badValue(key, type, value);
      return sink.u8(value ? 1 : 0);
    case GGUF_TYPE.STRING:
      if (typeof value !== "string") throw badValue(key, type, value);
      return sink.string(value);
    case GGUF_TYPE.UINT64:
    case GGUF_TYPE.INT64:
      if (typeof value !== "bigint" && typeof value !== "number") throw badValue(key, type, value);
      return type === GGUF_TYPE.UINT64 ? sink.u64(value) : sink.i64(value);
    default:
      throw badValue(key, type, value);
  }
}

function writeKv(sink: ByteSink, entry: GgufKv): void {
  sink.string(entry.key);
  sink.u32(entry.type);
  if (entry.type !== GGUF_TYPE.ARRAY) {
    if (Array.isArray(entry.value)) throw badValue(entry.key, entry.type, "an array");
    writeScalar(sink, entry.key, entry.type, entry.value as GgufScalar);
    return;
  }
  const { arrayType } = entry;
  if (arrayType === undefined || arrayType === GGUF_TYPE.ARRAY || !Array.isArray(entry.value))
    throw badValue(entry.key, entry.type, entry.value);
  const items = entry.value as readonly GgufScalar[];
  sink.u32(arrayType);
  sink.u64(items.length);
  for (const item of items) writeScalar(sink, entry.key, arrayType, item);
}

/**
 * Serializes the header for `kvs` and `tensors` (in that order in the file). Tensors are aligned to
 * `general.alignment` when `kvs` sets it, else 32.
 * @throws AtlasError BAD_ARGUMENT on duplicate keys/names, names over 63 bytes, > 4 dims or bad values
 */
export function encodeGgufHeader(kvs: readonly GgufKv[], tensors: readonly GgufTensorSpec[]): GgufHeader {
  const alignmentKv = kvs.find((e) => e.key === "general.alignment");
  const alignment = alignmentKv === undefined ? GGUF_DEFAULT_ALIGNMENT : alignmentKv.value;
  if (
    typeof alignment !== "number" ||
    !Number.isInteger(alignment) ||
    alignment <= 0 ||
    (alignment & (alignment - 1)) !== 0
  )
    throw new AtlasError(
      "BAD_ARGUMENT",
      `general.alignment must be a power of two, got ${String(alignment)}`,
    );
  const keys = new Set<string>();
  for (const entry of kvs) {
    if (keys.has(entry.key)) throw new AtlasError("BAD_ARGUMENT", `duplicate metadata key '${entry.key}'`);
    keys.add(entry.key);
  }
  const sink = new ByteSink();
  sink.u32(GGUF_MAGIC);
  sink.u32(GGUF_VERSION);
  sink.u64(tensors.length);
  sink.u64(kvs.length);
  for (const entry of kvs) writeKv(sink, entry);
  const infos: GgufTensorInfo[] = [];
  const names = new Set<string>();
  let offset = 0;
  for (const tensor of tensors) {
    if (names.has(tensor.name))
      throw new AtlasError("BAD_ARGUMENT", `duplicate tensor name '${tensor.name}'`);
    names.add(tensor.name);
    if (Buffer.byteLength(tensor.name) > GGUF_MAX_TENSOR_NAME_BYTES)
      throw new AtlasError(
        "BAD_ARGUMENT",
        `tensor name '${tensor.name}' is longer than ${GGUF_MAX_TENSOR_NAME_BYTES} bytes`,
      );
    if (tensor.ne.length === 0 || tensor.ne.length > GGML_MAX_DIMS)
      throw new AtlasError(
        "BAD_ARGUMENT",
        `tensor '${tensor.name}' has ${tensor.ne.length} dims (1..${GGML_MAX_DIMS})`,
      );
    const bytes = ggmlTensorBytes(tensor.type, tensor.ne, tensor.name);
    sink.string(tensor.name);
    sink.u32(tensor.ne.length);
    for (const dim of tensor.ne) sink.u64(dim);
    sink.u32(tensor.type);
    sink.u64(offset);
    infos.push({ name: tensor.name, ne: [...tensor.ne], type: tensor.type, offset, bytes });
    offset += alignUp(bytes, alignment);
  }
  sink.pad(alignment);
  return { bytes: sink.take(), tensors: infos, dataBytes: offset, alignment };
}
