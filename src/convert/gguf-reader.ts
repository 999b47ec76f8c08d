/**
 * GGUF reader: header, metadata (every value type, arrays included), tensor infos — all validated
 * against the file size and the limits in limits.ts — and a function to read one tensor's raw bytes.
 */
import { AtlasError } from "../core/index.js";
import { FileCursor } from "./file-cursor.js";
import { openForRead, readExactly } from "./file-io.js";
import { ggmlTensorBytes, ggmlTypeInfo } from "./ggml-types.js";
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_TYPE,
  alignUp,
  ggufScalarSize,
  type GgufKv,
  type GgufScalar,
  type GgufTensorInfo,
  type GgufValueType,
} from "./gguf-types.js";
import {
  GGML_MAX_DIMS,
  GGUF_MAX_TENSOR_NAME_BYTES,
  MAX_GGUF_ARRAY_LENGTH,
  MAX_GGUF_KVS,
  MAX_GGUF_METADATA_BYTES,
  MAX_GGUF_STRING_BYTES,
  MAX_GGUF_TENSORS,
  MAX_TENSOR_READ_BYTES,
} from "./limits.js";

/** A parsed GGUF file (no tensor data). */
export interface GgufFile {
  path: string;
  /** File size in bytes. */
  size: number;
  version: number;
  /** Metadata in file order. */
  kvs: GgufKv[];
  /** Metadata by key. */
  metadata: Map<string, GgufKv>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute offset of the data section. */
  dataOffset: number;
}

function invalid(path: string, message: string): AtlasError {
  return new AtlasError("INVALID_MODEL", message, {
    where: path,
    hint: "the file is corrupt or not a GGUF: re-create or re-download it",
  });
}

function isValueType(type: number): type is GgufValueType {
  return Number.isInteger(type) && type >= 0 && type <= 12;
}

async function readString(c: FileCursor, what: string): Promise<string> {
  if (!c.has(8)) await c.need(8, what);
  const length = c.u64();
  if (length > BigInt(MAX_GGUF_STRING_BYTES))
    throw invalid(
      c.path,
      `${what} is ${length} bytes long, more than the ${MAX_GGUF_STRING_BYTES}-byte limit`,
    );
  const n = Number(length);
  if (!c.has(n)) await c.need(n, what);
  return c.utf8(n);
}

/** Reads a fixed-size value that is already buffered. */
function readFixed(c: FileCursor, type: number, what: string): GgufScalar {
  switch (type) {
    case GGUF_TYPE.UINT8:
      return c.u8();
    case GGUF_TYPE.INT8:
      return c.i8();
    case GGUF_TYPE.UINT16:
      return c.u16();
    case GGUF_TYPE.INT16:
      return c.i16();
    case GGUF_TYPE.UINT32:
      return c.u32();
    case GGUF_TYPE.INT32:
      return c.i32();
    case GGUF_TYPE.FLOAT32:
      return c.f32();
    case GGUF_TYPE.FLOAT64:
      return c.f64();
    case GGUF_TYPE.BOOL: {
      const b = c.u8();
      if (b > 1) throw invalid(c.path, `${what}: bool value ${b} is neither 0 nor 1`);
      return b === 1;
    }
    case GGUF_TYPE.UINT64:
      return c.u64();
    case GGUF_TYPE.INT64:
      return c.i64();
    default:
      throw invalid(c.path, `${what}: unknown value type ${type}`);
  }
}

async function readScalar(c: FileCursor, type: number, what: string): Promise<GgufScalar> {
  if (type === GGUF_TYPE.STRING) return readString(c, what);
  const size = ggufScalarSize(type);
  if (!c.has(size)) await c.need(size, what);
  return readFixed(c, type, what);
}

/** Reads an array's elements; values already in the window are read without awaiting. */
async function readItems(c: FileCursor, type: number, n: number, what: string): Promise<GgufScalar[]> {
  const items = new Array<GgufScalar>(n);
  if (type === GGUF_TYPE.STRING) {
    for (let i = 0; i < n; i++)
      items[i] = c.bufferedString(MAX_GGUF_STRING_BYTES) ?? (await readString(c, what));
    return items;
  }
  const size = ggufScalarSize(type);
  for (let i = 0; i < n; i++) {
    if (!c.has(size)) await c.need(Math.min(n - i, 65536) * size, what);
    items[i] = readFixed(c, type, what);
  }
  return items;
}

async function readKv(c: FileCursor, index: number): Promise<GgufKv> {
  const key = await readString(c, `metadata key ${index}`);
  await c.need(4, `metadata '${key}'`);
  const type = c.u32();
  if (!isValueType(type)) throw invalid(c.path, `metadata '${key}' has unknown value type ${type}`);
  if (type !== GGUF_TYPE.ARRAY) return { key, type, value: await readScalar(c, type, `metadata '${key}'`) };
  await c.need(12, `metadata '${key}'`);
  const arrayType = c.u32();
  if (!isValueType(arrayType) || arrayType === GGUF_TYPE.ARRAY)
    throw invalid(c.path, `metadata '${key}' is an array of unsupported type ${arrayType}`);
  const count = c.u64();
  if (count > BigInt(MAX_GGUF_ARRAY_LENGTH))
    throw invalid(
      c.path,
      `metadata '${key}' has ${count} elements, more than the limit of ${MAX_GGUF_ARRAY_LENGTH}`,
    );
  const n = Number(count);
  // Each element takes at least its fixed size (8 bytes for a string's length): refuse counts the file cannot hold.
  const minBytes = n * (arrayType === GGUF_TYPE.STRING ? 8 : ggufScalarSize(arrayType));
  if (c.position + minBytes > c.size)
    throw new AtlasError(
      "INVALID_MODEL",
      `file is truncated: metadata '${key}' needs at least bytes up to ${c.position + minBytes} but the file has ${c.size}`,
      { where: c.path, hint: "re-download it" },
    );
  return { key, type, arrayType, value: await readItems(c, arrayType, n, `metadata '${key}'`) };
}

async function readTensorInfo(c: FileCursor, index: number): Promise<Omit<GgufTensorInfo, "bytes">> {
  const name = await readString(c, `tensor info ${index}`);
  if (Buffer.byteLength(name) > GGUF_MAX_TENSOR_NAME_BYTES)
    throw invalid(
      c.path,
      `tensor name '${name.slice(0, 80)}' is longer than ${GGUF_MAX_TENSOR_NAME_BYTES} bytes`,
    );
  await c.need(4, `tensor '${name}'`);
  const nDims = c.u32();
  if (nDims < 1 || nDims > GGML_MAX_DIMS)
    throw invalid(c.path, `tensor '${name}' has ${nDims} dims; GGUF allows 1 to ${GGML_MAX_DIMS}`);
  await c.need(8 * nDims + 12, `tensor '${name}'`);
  const ne: number[] = [];
  for (let d = 0; d < nDims; d++) {
    const dim = c.u64();
    if (dim > BigInt(Number.MAX_SAFE_INTEGER))
      throw invalid(c.path, `tensor '${name}' dim ${d} is ${dim}, too large`);
    ne.push(Number(dim));
  }
  const type = c.u32();
  if (ggmlTypeInfo(type) === undefined)
    throw new AtlasError(
      "UNSUPPORTED",
      `tensor '${name}' has ggml type ${type}, unknown to this llama.cpp release`,
      {
        where: c.path,
      },
    );
  const offset = c.u64();
  if (offset > BigInt(Number.MAX_SAFE_INTEGER))
    throw invalid(c.path, `tensor '${name}' offset ${offset} is too large`);
  return { name, ne, type, offset: Number(offset) };
}

/**
 * Reads and validates the GGUF at `path`.
 * @throws AtlasError INVALID_MODEL (bad magic, truncated, offsets out of range…), UNSUPPORTED (GGUF v1,
 *   unknown tensor types), NOT_FOUND / IO
 */
export async function readGguf(path: string): Promise<GgufFile> {
  const handle = await openForRead(path);
  try {
    const size = (await handle.stat()).size;
    const c = new FileCursor(handle, size, path, MAX_GGUF_METADATA_BYTES);
    await c.need(24, "GGUF header");
    const magic = c.u32();
    if (magic !== GGUF_MAGIC) throw invalid(path, "does not start with the GGUF magic bytes");
    const version = c.u32();
    if (version !== 2 && version !== 3)
      throw new AtlasError("UNSUPPORTED", `GGUF version ${version} is not supported (only 2 and 3)`, {
        where: path,
        hint: "re-convert the model with a current converter",
      });
    const tensorCount = c.u64();
    const kvCount = c.u64();
    if (tensorCount > BigInt(MAX_GGUF_TENSORS))
      throw invalid(path, `header claims ${tensorCount} tensors, more than the limit of ${MAX_GGUF_TENSORS}`);
    if (kvCount > BigInt(MAX_GGUF_KVS))
      throw invalid(
        path,
        `header claims ${kvCount} metadata entries, more than the limit of ${MAX_GGUF_KVS}`,
      );
    const kvs: GgufKv[] = [];
    const metadata = new Map<string, GgufKv>();
    for (let i = 0; i < Number(kvCount); i++) {
      const entry = await readKv(c, i);
      if (metadata.has(entry.key)) throw invalid(path, `metadata key '${entry.key}' appears twice`);
      kvs.push(entry);
      metadata.set(entry.key, entry);
    }
    const alignment = readAlignment(metadata, path);
    const partial: Array<Omit<GgufTensorInfo, "bytes">> = [];
    for (let i = 0; i < Number(tensorCount); i++) partial.push(await readTensorInfo(c, i));
    const dataOffset = alignUp(c.position, alignment);
    const tensors = checkTensors(partial, path, size, dataOffset, alignment);
    return { path, size, version, kvs, metadata, tensors, alignment, dataOffset };
  } finally {
    await handle.close();
  }
}

function readAlignment(metadata: Map<string, GgufKv>, path: string): number {
  const entry = metadata.get("general.alignment");
  if (entry === undefined) return GGUF_DEFAULT_ALIGNMENT;
  const value = entry.value;
  if (
    entry.type !== GGUF_TYPE.UINT32 ||
    typeof value !== "number" ||
    value === 0 ||
    (value & (value - 1)) !== 0
  )
    throw invalid(path, `general.alignment must be a u32 power of two, got ${String(value)}`);
  return value;
}

function checkTensors(
  partial: ReadonlyArray<Omit<GgufTensorInfo, "bytes">>,
  path: string,
  size: number,
  dataOffset: number,
  alignment: number,
): GgufTensorInfo[] {
  const names = new Set<string>();
  const tensors = partial.map((t) => {
    if (names.has(t.name)) throw invalid(path, `tensor '${t.name}' appears twice`);
    names.add(t.name);
    const bytes = ggmlTensorBytes(t.type, t.ne, `${path}: tensor '${t.name}'`);
    if (t.offset % alignment !== 0)
      throw invalid(
        path,
        `tensor '${t.name}' offset ${t.offset} is not a multiple of the alignment ${alignment}`,
      );
    const end = dataOffset + t.offset + bytes;
    if (end > size)
      throw new AtlasError(
        "INVALID_MODEL",
        `file is truncated: tensor '${t.name}' needs bytes up to ${end} but the file has ${size}`,
        { where: path, hint: "re-download it" },
      );
    return { ...t, bytes };
  });
  const sorted = [...tensors].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (prev.bytes > 0 && cur.offset < prev.offset + prev.bytes)
      throw invalid(path, `tensors '${prev.name}' and '${cur.name}' overlap`);
  }
  return tensors;
}

/**
 * Reads the raw bytes of tensor `name` (as stored: F32/F16/BF16 values or quant blocks).
 * @throws AtlasError NOT_FOUND when there is no such tensor, UNSUPPORTED when it exceeds 2 GiB
 */
export async function readGgufTensor(file: GgufFile, name: string): Promise<Uint8Array> {
  const info = file.tensors.find((t) => t.name === name);
  if (info === undefined) throw new AtlasError("NOT_FOUND", `no tensor '${name}'`, { where: file.path });
  if (info.bytes > MAX_TENSOR_READ_BYTES)
    throw new AtlasError(
      "UNSUPPORTED",
      `tensor '${name}' is ${info.bytes} bytes, too large to read at once`,
      {
        where: file.path,
      },
    );
  const handle = await openForRead(file.path);
  try {
    const buffer = new Uint8Array(info.bytes);
    await readExactly(handle, buffer, info.bytes, file.dataOffset + info.offset, file.path);
    return buffer;
  } finally {
    await handle.close();
  }
}

/** The value of metadata `key` when it is a scalar, else undefined. */
export function ggufScalar(file: GgufFile, key: string): GgufScalar | undefined {
  const entry = file.metadata.get(key);
  if (entry === undefined || entry.type === GGUF_TYPE.ARRAY) return undefined;
  return entry.value as GgufScalar;
}

/** Metadata `key` as a number (64-bit integers converted), else undefined. */
export function ggufNumber(file: GgufFile, key: string): number | undefined {
  const value = ggufScalar(file, key);
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return undefined;
}

/** Metadata `key` as a string, else undefined. */
export function ggufString(file: GgufFile, key: string): string | undefined {
  const value = ggufScalar(file, key);
  return typeof value === "string" ? value : undefined;
}

/** Metadata `key` as an array, else undefined. */
export function ggufArray(file: GgufFile, key: string): readonly GgufScalar[] | undefined {
  const entry = file.metadata.get(key);
  return entry?.type === GGUF_TYPE.ARRAY ? (entry.value as readonly GgufScalar[]) : undefined;
}
