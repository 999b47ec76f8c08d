/**
 * Q8_0 and Q4_0 block quantization, ports of ggml's `quantize_row_q8_0_ref` and `quantize_row_q4_0_ref`
 * that produce the same bytes as llama.cpp: every C `float` operation is rounded with `Math.fround`
 * (doing + − × ÷ in double and rounding once to float gives the correctly rounded float result), scales
 * are stored as F16 with ggml's rounding, `roundf` rounds halves away from zero and float → int8
 * conversion truncates.
 */
import { f32ToF16Ggml } from "./float16.js";

/** Elements per Q8_0 / Q4_0 block. */
export const QK = 32;
/** Bytes per Q8_0 block: f16 scale + 32 int8. */
export const Q8_0_BLOCK_BYTES = 34;
/** Bytes per Q4_0 block: f16 scale + 16 bytes of nibbles. */
export const Q4_0_BLOCK_BYTES = 18;

/**
 * Quantizes `src` (length a multiple of 32) to Q8_0 blocks written into `out` from `outOffset`.
 * Block: `d = amax/127`, `q = roundf(x/d)` (x·(1/d) in float), stored as `half d; int8 q[32]`.
 */
export function quantizeQ8_0(src: Float32Array, out: Uint8Array, outOffset = 0): void {
  const blocks = src.length / QK;
  const q = new Int8Array(out.buffer, out.byteOffset, out.byteLength);
  let o = outOffset;
  for (let b = 0; b < blocks; b++) {
    const base = b * QK;
    let amax = 0;
    for (let j = 0; j < QK; j++) {
      const v = Math.abs(src[base + j]!);
      amax = amax > v ? amax : v; // C's MAX(amax, fabsf(v)), NaN handling included
    }
    const d = Math.fround(amax / 127);
    const id = d !== 0 ? Math.fround(1 / d) : 0;
    const h = f32ToF16Ggml(d);
    out[o] = h & 0xff;
    out[o + 1] = h >>> 8;
    o += 2;
    for (let j = 0; j < QK; j++) {
      const x = Math.fround(src[base + j]! * id);
      // roundf (halves away from zero): x ± 0.5 is exact in double for any float below 2^52, and the
      // Int8Array store wraps like C's float → int8_t conversion for the in-range values we produce.
      q[o + j] = Math.trunc(x < 0 ? x - 0.5 : x + 0.5);
    }
    o += QK;
  }
}

/**
 * Quantizes `src` (length a multiple of 32) to Q4_0 blocks written into `out` from `outOffset`.
 * Block: `d = max/−8` where max is the value of largest magnitude (first one on ties),
 * `q = min(15, (int8)(x·(1/d) + 8.5))`, byte j = q[j] | q[j+16] << 4.
 */
export function quantizeQ4_0(src: Float32Array, out: Uint8Array, outOffset = 0): void {
  const blocks = src.length / QK;
  let o = outOffset;
  for (let b = 0; b < blocks; b++) {
    const base = b * QK;
    let amax = 0;
    let max = 0;
    for (let j = 0; j < QK; j++) {
      const v = src[base + j]!;
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = Math.fround(max / -8);
    const id = d !== 0 ? Math.fround(1 / d) : 0;
    const h = f32ToF16Ggml(d);
    out[o] = h & 0xff;
    out[o + 1] = h >>> 8;
    o += 2;
    for (let j = 0; j < QK / 2; j++) {
      const x0 = Math.fround(src[base + j]! * id);
      const x1 = Math.fround(src[base + QK / 2 + j]! * id);
      const q0 = Math.min(15, Math.trunc(Math.fround(x0 + 8.5)));
      const q1 = Math.min(15, Math.trunc(Math.fround(x1 + 8.5)));
      out[o + j] = (q0 & 0xff) | ((q1 << 4) & 0xff);
    }
    o += QK / 2;
  }
}
