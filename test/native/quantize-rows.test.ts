import { describe, expect, it } from "vitest";
import { GGML_TYPE } from "../../src/convert/ggml-types.js";
import { quantizeQ8_0 } from "../../src/convert/quantize-blocks.js";
import { quantizeRows, rowBytes } from "../../src/native/quantize-rows.js";

describe("quantizeRows (llama.cpp's ggml_quantize_chunk)", () => {
  it("gives the same Q8_0 bytes as our verified quantizer, however the rows are split over threads", async () => {
    const rows = 37;
    const cols = 256;
    const values = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.731) * (1 + (i % 17)));
    const expected = Buffer.alloc(rows * rowBytes(GGML_TYPE.Q8_0, cols));
    quantizeQ8_0(values, expected);
    for (const threads of [1, 2, 5]) {
      const out = Buffer.alloc(expected.length);
      await quantizeRows(GGML_TYPE.Q8_0, values, rows, cols, out, threads);
      expect(out.equals(expected), `threads=${threads}`).toBe(true);
    }
  });

  it("Q4_K rows: one call or split, the bytes are the same", async () => {
    const rows = 9;
    const cols = 512;
    const values = Float32Array.from({ length: rows * cols }, (_, i) => Math.cos(i * 0.37) * 0.02);
    const size = rows * rowBytes(GGML_TYPE.Q4_K, cols);
    expect(size).toBe(rows * (cols / 256) * 144);
    const whole = Buffer.alloc(size);
    const split = Buffer.alloc(size);
    await quantizeRows(GGML_TYPE.Q4_K, values, rows, cols, whole, 1);
    await quantizeRows(GGML_TYPE.Q4_K, values, rows, cols, split, 4);
    expect(split.equals(whole)).toBe(true);
    expect(whole.some((b) => b !== 0)).toBe(true);
  });
});
