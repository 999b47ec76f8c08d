import { describe, expect, it } from "vitest";
import {
  bf16ToF32,
  decodeBf16,
  decodeF16,
  encodeBf16,
  encodeF16,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  f32ToF16Ggml,
} from "./float16.js";

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const fromBits = (bits: number): number => {
  u32[0] = bits >>> 0;
  return f32[0]!;
};
const toBits = (value: number): number => {
  f32[0] = value;
  return u32[0]!;
};

/**
 * ggml's `ggml_compute_fp32_to_fp16` (ggml-impl.h), transcribed as the reference: a float-arithmetic
 * trick that rounds to nearest even. Every step is a float operation, hence Math.fround.
 */
function ggmlFp32ToFp16(f: number): number {
  const scaleToInf = fromBits(0x77800000);
  const scaleToZero = fromBits(0x08800000);
  let base = Math.fround(Math.fround(Math.abs(f) * scaleToInf) * scaleToZero);
  const w = toBits(f);
  const shl1 = (w * 2) >>> 0;
  const sign = (w & 0x80000000) >>> 0;
  let bias = (shl1 & 0xff000000) >>> 0;
  if (bias < 0x71000000) bias = 0x71000000;
  base = Math.fround(fromBits(((bias >>> 1) + 0x07800000) >>> 0) + base);
  const bits = toBits(base);
  const expBits = (bits >>> 13) & 0x00007c00;
  const mantissaBits = bits & 0x00000fff;
  const nonsign = expBits + mantissaBits;
  return ((sign >>> 16) | (shl1 > 0xff000000 ? 0x7e00 : nonsign)) & 0xffff;
}

describe("f32ToF16 (round to nearest even)", () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [0, 0],
    [-0, 0x8000],
    [65504, 0x7bff], // max half
    [65519.99, 0x7bff], // just below the rounding boundary
    [65520, 0x7c00], // rounds up to infinity
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // halfway between 0 and 2^-24: ties to even (0)
    [3 * 2 ** -25, 0x0002], // halfway between 1 and 2 subnormal units: ties to even (2)
    [1 + 2 ** -11, 0x3c00], // halfway between 1 and 1+2^-10: ties to even (1)
    [1 + 3 * 2 ** -11, 0x3c02], // halfway between 1+2^-10 and 1+2^-9: ties to even
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -14 - 2 ** -25, 0x0400], // rounds up from the largest subnormal into the normals
  ])("%f → %#x", (value, bits) => {
    expect(f32ToF16(value)).toBe(bits);
  });

  it("keeps NaN a NaN", () => {
    expect(Number.isNaN(f16ToF32(f32ToF16(Number.NaN)))).toBe(true);
  });

  it("matches ggml's fp32→fp16 on 200k random floats and every half value ± 1 ulp", () => {
    let seed = 12345;
    const random = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed;
    };
    const check = (value: number): void => {
      if (Number.isNaN(value)) return;
      expect(f32ToF16Ggml(value)).toBe(ggmlFp32ToFp16(value));
    };
    for (let i = 0; i < 200_000; i++) check(fromBits(random()));
    for (let h = 0; h < 0x7c00; h++) {
      const bits = toBits(f16ToF32(h));
      check(fromBits(bits));
      check(fromBits(bits + 1));
      check(fromBits(bits + 0x1000)); // exactly halfway to the next half (13 dropped bits)
      if (bits > 0) check(fromBits(bits - 1));
    }
  });

  it("f32ToF16Ggml gives ggml's canonical NaN", () => {
    expect(f32ToF16Ggml(Number.NaN)).toBe(ggmlFp32ToFp16(Number.NaN));
    expect(f32ToF16Ggml(fromBits(0xffc00001))).toBe(0xfe00);
  });
});

describe("f32ToBf16 (round to nearest even, as gguf-py)", () => {
  it.each([
    [1, 0x3f80],
    [1 + 2 ** -8, 0x3f80], // halfway: ties to even
    [1 + 3 * 2 ** -8, 0x3f82], // halfway: ties to even (up)
    [1 + 2 ** -8 + 2 ** -20, 0x3f81], // just above halfway
    [-1.5, 0xbfc0],
    [Infinity, 0x7f80],
    [fromBits(0x7f7fffff), 0x7f80], // max float rounds up to infinity
    [fromBits(0x00000001), 0x0000], // tiny subnormal rounds to zero
  ])("%f → %#x", (value, bits) => {
    expect(f32ToBf16(value)).toBe(bits);
  });

  it("forces NaN quiet", () => {
    expect(f32ToBf16(fromBits(0x7f800001))).toBe(0x7fc0);
    expect(f32ToBf16(fromBits(0xff800001))).toBe(0xffc0);
  });
});

describe("array codecs", () => {
  it("decode every BF16 and F16 bit pattern exactly and encode back", () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const bytes = new Uint8Array(all.buffer);
    const values = new Float32Array(65536);
    decodeBf16(bytes, values);
    for (let i = 0; i < 65536; i++)
      expect(Object.is(values[i], bf16ToF32(i)) || Number.isNaN(values[i])).toBe(true);
    const back = new Uint16Array(encodeBf16(values).buffer);
    for (let i = 0; i < 65536; i++) if (!Number.isNaN(values[i])) expect(back[i]).toBe(i);
    decodeF16(bytes, values);
    const backF16 = new Uint16Array(encodeF16(values).buffer);
    for (let i = 0; i < 65536; i++) {
      if (Number.isNaN(values[i])) continue;
      expect(values[i]).toBe(f16ToF32(i));
      expect(backF16[i]).toBe(i);
    }
  });

  it("decodes from odd byte offsets", () => {
    const buffer = new Uint8Array(5);
    buffer.set([0x80, 0x3f], 1); // BF16 1.0 at offset 1
    const out = new Float32Array(1);
    decodeBf16(buffer.subarray(1, 3), out);
    expect(out[0]).toBe(1);
  });
});
