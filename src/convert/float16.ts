/**
 * IEEE half (F16) and bfloat16 (BF16) conversions, bit-exact with ggml/gguf-py: round-to-nearest-even,
 * NaN kept quiet. Array versions work on chunks so large tensors stream.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** BF16 bits → float. Exact. */
export function bf16ToF32(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0]!;
}

/** Float → BF16 bits, round-to-nearest-even, NaN → quiet NaN (as gguf-py and ggml do). */
export function f32ToBf16(value: number): number {
  f32[0] = value;
  const u = u32[0]!;
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 64) & 0xffff;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** F16 bits → float. Exact. */
export function f16ToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Float → F16 bits with round-to-nearest-even (the behaviour of the F16C instruction ggml uses and of
 * numpy's astype(float16)). Overflow → ±Inf.
 */
export function f32ToF16(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // underflows to ±0
    mant |= 0x800000; // implicit leading one
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let result = mant >>> shift;
    if (rest > half || (rest === half && (result & 1) === 1)) result++;
    return sign | result;
  }
  const rest = mant & 0x1fff;
  mant >>>= 13;
  if (rest > 0x1000 || (rest === 0x1000 && (mant & 1) === 1)) {
    mant++;
    if (mant === 0x400) {
      mant = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | mant;
}

/** A Uint16Array over `bytes` (copied when the offset is odd, which typed arrays do not allow). */
function u16View(bytes: Uint8Array, count: number): Uint16Array {
  if (bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, count);
  return new Uint16Array(bytes.slice(0, count * 2).buffer);
}

/** Decodes `out.length` BF16 values (little-endian bytes) into `out`. */
export function decodeBf16(bytes: Uint8Array, out: Float32Array): void {
  const src = u16View(bytes, out.length);
  const dst = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < out.length; i++) dst[i] = src[i]! << 16;
}

let f16Table: Float32Array | undefined;

/** Decodes F16 values into `out` (through a 65,536-entry table: 256 KB, built on first use). */
export function decodeF16(bytes: Uint8Array, out: Float32Array): void {
  if (f16Table === undefined) {
    f16Table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) f16Table[bits] = f16ToF32(bits);
  }
  const table = f16Table;
  const src = u16View(bytes, out.length);
  for (let i = 0; i < out.length; i++) out[i] = table[src[i]!]!;
}

/** Encodes floats as BF16 bytes. */
export function encodeBf16(values: Float32Array): Uint8Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f32ToBf16(values[i]!);
  return new Uint8Array(out.buffer);
}

/** Encodes floats as F16 bytes. */
export function encodeF16(values: Float32Array): Uint8Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f32ToF16(values[i]!);
  return new Uint8Array(out.buffer);
}

/**
 * Float → F16 bits exactly as ggml's `GGML_FP32_TO_FP16` (`ggml_compute_fp32_to_fp16`): round-to-nearest-
 * even like {@link f32ToF16}, but every NaN becomes the canonical quiet NaN 0x7e00 (sign kept). Used for
 * quant block scales so Q8_0/Q4_0 blocks are byte-identical to llama.cpp's.
 */
export function f32ToF16Ggml(value: number): number {
  if (Number.isNaN(value)) {
    f32[0] = value;
    return ((u32[0]! >>> 16) & 0x8000) | 0x7e00;
  }
  return f32ToF16(value);
}
