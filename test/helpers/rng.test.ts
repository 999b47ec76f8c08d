import { describe, expect, it } from "vitest";
import { Rng, hashString } from "./rng.js";

describe("Rng", () => {
  it("is deterministic per seed and differs between seeds", () => {
    const draw = (seed: number | string): number[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 8 }, () => rng.nextU32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw("model.norm.weight")).toEqual(draw(hashString("model.norm.weight")));
  });

  it("gives uniform floats in [0, 1) and unbiased ints in [0, n)", () => {
    const rng = new Rng(1);
    const counts = [0, 0, 0, 0, 0, 0];
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 60000; i++) {
      const f = rng.nextFloat();
      if (f < 0 || f >= 1) outside++;
      sum += f;
      counts[rng.int(6)]!++;
    }
    expect(outside).toBe(0);
    expect(sum / 60000).toBeCloseTo(0.5, 2);
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(500);
    expect(() => rng.int(0)).toThrow(RangeError);
  });

  it("gives standard normals, and fillNormal matches repeated normal() calls", () => {
    const rng = new Rng(7);
    const n = 100000;
    let mean = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.normal();
      mean += x / n;
      sq += (x * x) / n;
    }
    expect(mean).toBeCloseTo(0, 1);
    expect(Math.sqrt(sq - mean * mean)).toBeCloseTo(1, 1);

    const a = new Rng(9);
    const one = Array.from({ length: 11 }, () => Math.fround(0.5 + 2 * a.normal()));
    const b = new Rng(9);
    const filled = new Float32Array(11);
    b.fillNormal(filled.subarray(0, 5), 0.5, 2); // odd lengths leave a spare for the next call
    b.fillNormal(filled.subarray(5), 0.5, 2);
    expect([...filled]).toEqual(one);
  });
});
