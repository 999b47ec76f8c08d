import { describe, expect, it } from "vitest";
import { f16ToF32 } from "./float16.js";
import { Q4_0_BLOCK_BYTES, Q8_0_BLOCK_BYTES, quantizeQ4_0, quantizeQ8_0 } from "./quantize-blocks.js";

function q8(values: number[]): { d: number; q: number[] } {
  const out = new Uint8Array(Q8_0_BLOCK_BYTES);
  quantizeQ8_0(Float32Array.from(values), out);
  return { d: out[0]! | (out[1]! << 8), q: Array.from(new Int8Array(out.buffer, 2, 32)) };
}

function q4(values: number[]): { d: number; nibbles: number[] } {
  const out = new Uint8Array(Q4_0_BLOCK_BYTES);
  quantizeQ4_0(Float32Array.from(values), out);
  const nibbles: number[] = [];
  for (let j = 0; j < 16; j++) nibbles[j] = out[2 + j]! & 0x0f;
  for (let j = 0; j < 16; j++) nibbles[16 + j] = out[2 + j]! >> 4;
  return { d: out[0]! | (out[1]! << 8), nibbles };
}

const block = (f: (j: number) => number): number[] => Array.from({ length: 32 }, (_, j) => f(j));

describe("quantizeQ8_0 (port of quantize_row_q8_0_ref)", () => {
  it("a block of zeros has d = 0 and q = 0", () => {
    expect(q8(block(() => 0))).toEqual({ d: 0, q: new Array(32).fill(0) });
  });

  it("±amax map to ±127 and d = amax/127 in F16", () => {
    const { d, q } = q8(block((j) => (j === 3 ? 127 : j === 9 ? -127 : 0)));
    expect(d).toBe(0x3c00); // 1.0
    expect(q[3]).toBe(127);
    expect(q[9]).toBe(-127);
  });

  it("rounds halves away from zero (C roundf)", () => {
    // amax 127 → d = 1, id = 1: values are quantized as themselves.
    const values = block((j) => [127, 2.5, -2.5, 0.5, -0.5, 1.5, -1.5, 126.5, 0.49999997][j] ?? 0);
    const { q } = q8(values);
    expect(q.slice(0, 9)).toEqual([127, 3, -3, 1, -1, 2, -2, 127, 0]);
  });

  it("uses the float reciprocal like C: 1/d rounded to float before multiplying", () => {
    // amax = 1: d = fround(1/127), id = fround(1/d) = 127.00000762939453, not 127.
    const { d, q } = q8(block((j) => (j === 0 ? 1 : j === 1 ? 0.5 / 127 : j === 2 ? 64.5 / 127 : 0)));
    expect(d).toBe(0x2008); // F16 of 1/127 (0.007874…) with round-to-nearest-even
    expect(q[0]).toBe(127);
    expect(q[1]).toBe(1); // 0.5·(1+ε) rounds away from zero
    expect(q[2]).toBe(65); // 64.5 + a bit → 65
  });

  it("quantizes several blocks into consecutive 34-byte slots and never yields NaN", () => {
    const n = 32 * 8;
    const values = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));
    const out = new Uint8Array((n / 32) * Q8_0_BLOCK_BYTES);
    quantizeQ8_0(values, out);
    for (let b = 0; b < n / 32; b++) {
      const d = f16ToF32(out[b * 34]! | (out[b * 34 + 1]! << 8));
      expect(Number.isFinite(d)).toBe(true);
      const q = new Int8Array(out.buffer, b * 34 + 2, 32);
      for (let j = 0; j < 32; j++)
        expect(Math.abs(d * q[j]! - values[b * 32 + j]!)).toBeLessThanOrEqual(d * 0.51);
    }
  });

  it("writes at an offset", () => {
    const out = new Uint8Array(40);
    quantizeQ8_0(Float32Array.from(block(() => 127)), out, 6);
    expect(out[6]).toBe(0x00);
    expect(out[7]).toBe(0x3c);
    expect(out[8]).toBe(127);
  });
});

describe("quantizeQ4_0 (port of quantize_row_q4_0_ref)", () => {
  it("a block of zeros has d = −0 (0.0f / −8 in C) and every nibble 8 (0 + 8.5 truncated)", () => {
    expect(q4(block(() => 0))).toEqual({ d: 0x8000, nibbles: new Array(32).fill(8) });
  });

  it("d = max/−8 keeps the sign of the largest-magnitude value", () => {
    const { d, nibbles } = q4(block((j) => (j === 0 ? -8 : j === 1 ? 7 : j === 2 ? 8 : j === 20 ? -4 : 0)));
    expect(d).toBe(0x3c00); // −8 / −8 = 1
    // q = min(15, trunc(x + 8.5)): −8 → 0, 7 → 15, 8 → 16 → 15, −4 → 4, 0 → 8
    expect(nibbles[0]).toBe(0);
    expect(nibbles[1]).toBe(15);
    expect(nibbles[2]).toBe(15);
    expect(nibbles[20]).toBe(4);
    expect(nibbles[5]).toBe(8);
  });

  it("a positive maximum gives a negative scale", () => {
    const { d, nibbles } = q4(block((j) => (j === 0 ? 8 : j === 1 ? -8 : 0)));
    expect(d).toBe(0xbc00); // 8 / −8 = −1
    expect(nibbles[0]).toBe(0); // 8·(−1) + 8.5 = 0.5 → 0
    expect(nibbles[1]).toBe(15); // −8·(−1) + 8.5 = 16.5 → 16 → 15
  });

  it("the first value wins ties of magnitude", () => {
    expect(q4(block((j) => (j === 0 ? 4 : j === 1 ? -4 : 0))).d).toBe(0xb800); // 4/−8 = −0.5
    expect(q4(block((j) => (j === 0 ? -4 : j === 1 ? 4 : 0))).d).toBe(0x3800);
  });

  it("packs q[j] in the low nibble and q[j+16] in the high nibble", () => {
    const out = new Uint8Array(Q4_0_BLOCK_BYTES);
    quantizeQ4_0(Float32Array.from(block((j) => (j === 0 ? -8 : j === 16 ? 7 : 0))), out);
    expect(out[2]).toBe(0 | (15 << 4));
    expect(out[3]).toBe(8 | (8 << 4));
  });

  it("reconstructs within one step and never yields NaN", () => {
    const values = Float32Array.from({ length: 64 }, (_, i) => Math.cos(i * 1.3) * 3);
    const out = new Uint8Array(2 * Q4_0_BLOCK_BYTES);
    quantizeQ4_0(values, out);
    for (let b = 0; b < 2; b++) {
      const d = f16ToF32(out[b * 18]! | (out[b * 18 + 1]! << 8));
      expect(Number.isFinite(d)).toBe(true);
      for (let j = 0; j < 32; j++) {
        const byte = out[b * 18 + 2 + (j % 16)]!;
        const q = j < 16 ? byte & 15 : byte >> 4;
        expect(Math.abs(d * (q - 8) - values[b * 32 + j]!)).toBeLessThanOrEqual(Math.abs(d) * 1.01);
      }
    }
  });
});
