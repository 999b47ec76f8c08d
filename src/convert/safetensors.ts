/**
 * safetensors reader: `u64 LE N` + N-byte JSON header + data. Only the header is read here; tensor bytes
 * are read later in chunks at `byteOffset`. Every entry is validated against the file's real size before
 * the converter trusts it.
 */
import { AtlasError, errorMessage } from "../core/index.js";
import { isRecord, openForRead, readExactly } from "./file-io.js";
import { MAX_SAFETENSORS_DIMS, MAX_SAFETENSORS_HEADER_BYTES, MAX_SAFETENSORS_TENSORS } from "./limits.js";

/** Bytes per element of each safetensors dtype this reader understands. */
export const SAFETENSORS_DTYPE_SIZES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  F8_E8M0: 1,
} as const;

/** A safetensors dtype name. */
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_SIZES;

/** One validated tensor entry. */
export interface SafetensorsTensor {
  name: string;
  dtype: SafetensorsDtype;
  /** Row-major shape, outermost first (PyTorch order). */
  shape: number[];
  /** Absolute offset of the first byte in the file. */
  byteOffset: number;
  byteLength: number;
}

/** A safetensors file's validated header. */
export interface SafetensorsFile {
  path: string;
  /** File size in bytes. */
  size: number;
  /** `__metadata__` string map (e.g. `{format: "pt"}`). */
  metadata: Record<string, string>;
  /** Tensors sorted by name, as the safetensors library (and llama.cpp's converter) iterate them. */
  tensors: SafetensorsTensor[];
}

function invalid(path: string, message: string, hint = "re-download it"): AtlasError {
  return new AtlasError("INVALID_MODEL", message, { where: path, hint });
}

function isDtype(value: string): value is SafetensorsDtype {
  return Object.hasOwn(SAFETENSORS_DTYPE_SIZES, value);
}

function parseEntry(
  path: string,
  name: string,
  entry: unknown,
  dataSize: number,
  dataStart: number,
): SafetensorsTensor {
  if (!isRecord(entry)) throw invalid(path, `tensor '${name}': header entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== "string") throw invalid(path, `tensor '${name}': missing dtype`);
  if (!isDtype(dtype))
    throw new AtlasError("UNSUPPORTED", `tensor '${name}' has dtype '${dtype}', which atlas does not know`, {
      where: path,
      hint: "atlas converts F32, F16 and BF16 checkpoints",
    });
  if (!Array.isArray(shape)) throw invalid(path, `tensor '${name}': shape is not an array`);
  if (shape.length > MAX_SAFETENSORS_DIMS)
    throw invalid(
      path,
      `tensor '${name}' has ${shape.length} dims, more than the limit of ${MAX_SAFETENSORS_DIMS}`,
    );
  let elements = 1;
  const dims: number[] = [];
  for (const dim of shape as unknown[]) {
    if (typeof dim !== "number" || !Number.isSafeInteger(dim) || dim < 0)
      throw invalid(
        path,
        `tensor '${name}': shape ${JSON.stringify(shape)} holds a dim that is not a non-negative integer`,
      );
    dims.push(dim);
    elements *= dim;
    if (!Number.isSafeInteger(elements))
      throw invalid(path, `tensor '${name}': shape ${JSON.stringify(shape)} is too large`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => typeof o === "number" && Number.isSafeInteger(o) && o >= 0)
  )
    throw invalid(path, `tensor '${name}': data_offsets must be two non-negative integers`);
  const [begin, end] = offsets as [number, number];
  const expected = elements * SAFETENSORS_DTYPE_SIZES[dtype];
  if (end < begin || end - begin !== expected)
    throw invalid(
      path,
      `tensor '${name}': data_offsets [${begin}, ${end}] span ${end - begin} bytes but ${dtype} ${JSON.stringify(dims)} needs ${expected}`,
    );
  if (end > dataSize)
    throw new AtlasError(
      "INVALID_MODEL",
      `file is truncated: tensor '${name}' needs bytes up to ${dataStart + end} but the file has ${dataStart + dataSize}`,
      { where: path, hint: "re-download it" },
    );
  return { name, dtype, shape: dims, byteOffset: dataStart + begin, byteLength: expected };
}

/**
 * Reads and validates the header of the safetensors file at `path`.
 * @throws AtlasError INVALID_MODEL (malformed, truncated, overlapping) or UNSUPPORTED (unknown dtype)
 */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsFile> {
  const handle = await openForRead(path);
  try {
    const size = (await handle.stat()).size;
    if (size < 8) throw invalid(path, `file is ${size} bytes, too small to be a safetensors file`);
    const prefix = Buffer.alloc(8);
    await readExactly(handle, prefix, 8, 0, path);
    const headerLength = prefix.readBigUInt64LE(0);
    if (headerLength > BigInt(MAX_SAFETENSORS_HEADER_BYTES))
      throw invalid(
        path,
        `safetensors header claims ${headerLength} bytes, more than the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit`,
        "the file is corrupt or not a safetensors file: re-download it",
      );
    const n = Number(headerLength);
    if (8 + n > size)
      throw invalid(
        path,
        `safetensors header claims ${n} bytes but the file has only ${size - 8} after the length prefix`,
      );
    const headerBytes = Buffer.alloc(n);
    await readExactly(handle, headerBytes, n, 8, path);
    let header: unknown;
    try {
      header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(headerBytes));
    } catch (error) {
      throw invalid(path, `safetensors header is not valid UTF-8 JSON (${errorMessage(error)})`);
    }
    if (!isRecord(header)) throw invalid(path, "safetensors header is not a JSON object");
    return validateHeader(path, size, n, header);
  } finally {
    await handle.close();
  }
}

function validateHeader(
  path: string,
  size: number,
  headerLength: number,
  header: Record<string, unknown>,
): SafetensorsFile {
  const names = Object.keys(header).filter((k) => k !== "__metadata__");
  if (names.length > MAX_SAFETENSORS_TENSORS)
    throw invalid(
      path,
      `safetensors header lists ${names.length} tensors, more than the limit of ${MAX_SAFETENSORS_TENSORS}`,
    );
  const metadata: Record<string, string> = {};
  const rawMeta = header["__metadata__"];
  if (rawMeta !== undefined && rawMeta !== null) {
    if (!isRecord(rawMeta)) throw invalid(path, "__metadata__ is not an object");
    for (const [key, value] of Object.entries(rawMeta)) if (typeof value === "string") metadata[key] = value;
  }
  const dataStart = 8 + headerLength;
  const dataSize = size - dataStart;
  const tensors = names.map((name) => parseEntry(path, name, header[name], dataSize, dataStart));
  const byOffset = [...tensors].sort((a, b) => a.byteOffset - b.byteOffset || a.byteLength - b.byteLength);
  let previous: SafetensorsTensor | undefined;
  for (const tensor of byOffset) {
    if (tensor.byteLength === 0) continue;
    if (previous !== undefined && tensor.byteOffset < previous.byteOffset + previous.byteLength)
      throw invalid(path, `tensors '${previous.name}' and '${tensor.name}' overlap in the file`);
    previous = tensor;
  }
  tensors.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { path, size, metadata, tensors };
}
