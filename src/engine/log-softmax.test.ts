import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { assemble } from "../../scripts/build-wasm.mjs";
import { argmax, logSumExp, reduceLogits, topLogprobs } from "./log-softmax.js";

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("logits reductions", () => {
  it("the SIMD kernel matches the float64 reference (log-sum-exp within 1e-6, argmax exactly)", () => {
    const random = seeded(3);
    for (const [n, scale] of [
      [256000, 30],
      [640, 5],
      [7, 1],
      [1027, 200],
      [4096, 0.001],
    ] as const) {
      const x = Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
      const { lse, best } = reduceLogits(x);
      expect(Math.abs(lse - logSumExp(x)), `n=${n} scale=${scale}`).toBeLessThan(1e-6);
      expect(best).toBe(argmax(x));
    }
  });

  it("takes the first index on ties, like llama.cpp's greedy sampler, and survives -Infinity", () => {
    const x = new Float32Array([1, 5, 3, 5, -Infinity, 5]);
    expect(reduceLogits(x).best).toBe(1);
    expect(reduceLogits(x).lse).toBeCloseTo(logSumExp(x), 6);
    expect(reduceLogits(new Float32Array([-Infinity, 2])).best).toBe(1);
  });

  it("lists the top alternatives best first", () => {
    const x = new Float32Array([0, 3, 1, 3, 2]);
    const lse = logSumExp(x);
    expect(topLogprobs(x, 3, lse).map((t) => t.token)).toEqual([1, 3, 4]);
    expect(topLogprobs(x, 0, lse)).toEqual([]);
  });

  it("the committed WebAssembly bytes are assembled from the committed .wat source", async () => {
    const source = await readFile(new URL("./wasm/log-softmax.wat", import.meta.url), "utf8");
    const generated = await readFile(new URL("./wasm/log-softmax-wasm.ts", import.meta.url), "utf8");
    expect(await assemble("log-softmax.wat", source)).toBe(generated);
  });
});
