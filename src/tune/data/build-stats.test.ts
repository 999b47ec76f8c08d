import { describe, expect, it } from "vitest";
import { LengthCounter } from "./build-stats.js";

describe("LengthCounter", () => {
  it("gives exact nearest-rank percentiles and power-of-two bins", () => {
    const counter = new LengthCounter();
    for (let n = 1; n <= 100; n++) counter.add(n);
    counter.add(100);
    const s = counter.summary();
    expect(s).toMatchObject({ count: 101, min: 1, max: 100, p50: 51, p90: 91, p99: 100 });
    expect(s.mean).toBeCloseTo(5150 / 101, 2);
    expect(s.histogram.map((b) => [b.from, b.count])).toEqual([
      [1, 1],
      [2, 2],
      [4, 4],
      [8, 8],
      [16, 16],
      [32, 32],
      [64, 38],
    ]);
  });

  it("summarizes nothing as zeros", () => {
    expect(new LengthCounter().summary()).toMatchObject({ count: 0, min: 0, max: 0, mean: 0, p50: 0 });
  });
});
