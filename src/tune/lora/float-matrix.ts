/**
 * LoRA matrices are small (rank × features): read whole, as F32, from safetensors or GGUF, and written as
 * F32 / F16 / BF16 GGUF tensors.
 */
import { decodeBf16, decodeF16, encodeBf16, encodeF16 } from "../../convert/float16.js";
import { openForRead, readExactly } from "../../convert/file-io.js";
import { GGML_TYPE } from "../../convert/index.js";

/** The float storage types of adapter tensors. */
export type FloatDtype = "F32" | "F16" | "BF16";

/** The adapter output types (`--type`). */
export const LORA_OUTPUT_TYPES = ["f32", "f16", "bf16"] as const;
/** An adapter output type. */
export type LoraOutputType = (typeof LORA_OUTPUT_TYPES)[number];

/** ggml type id of each output type, and back. */
export const GGML_OF: Readonly<Record<LoraOutputType, number>> = {
  f32: GGML_TYPE.F32,
  f16: GGML_TYPE.F16,
  bf16: GGML_TYPE.BF16,
};

/** The float dtype of a ggml type id, or undefined for quantized types. */
export function floatDtypeOfGgml(type: number): FloatDtype | undefined {
  if (type === GGML_TYPE.F32) return "F32";
  if (type === GGML_TYPE.F16) return "F16";
  if (type === GGML_TYPE.BF16) return "BF16";
  return undefined;
}

/** Decodes `count` values of `dtype` from `bytes`. */
export function decodeFloats(bytes: Uint8Array, dtype: FloatDtype, count: number): Float32Array {
  const out = new Float32Array(count);
  if (dtype === "BF16") decodeBf16(bytes, out);
  else if (dtype === "F16") decodeF16(bytes, out);
  else out.set(new Float32Array(bytes.slice(0, count * 4).buffer));
  return out;
}

/** Encodes values as `type`'s bytes. */
export function encodeFloats(values: Float32Array, type: LoraOutputType): Uint8Array {
  if (type === "bf16") return encodeBf16(values);
  if (type === "f16") return encodeF16(values);
  return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}

/** Reads `count` floats of `dtype` at `offset` of `path`. */
export async function readFloats(
  path: string,
  offset: number,
  dtype: FloatDtype,
  count: number,
): Promise<Float32Array> {
  const bytes = new Uint8Array(count * (dtype === "F32" ? 4 : 2));
  const handle = await openForRead(path);
  try {
    await readExactly(handle, bytes, bytes.length, offset, path);
  } finally {
    await handle.close();
  }
  return decodeFloats(bytes, dtype, count);
}
