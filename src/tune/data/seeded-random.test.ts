import { describe, expect, it } from "vitest";
import { SeededRandom } from "./seeded-random.js";

describe("SeededRandom", () => {
  it("depends on the seed and stream only", () => {
    const draw = (seed: number, stream = 0): number[] => {
      const r = new SeededRandom(seed, stream);
      return Array.from({ length: 8 }, () => r.nextUint32());
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    expect(draw(1, 0)).not.toEqual(draw(1, 1));
    expect(draw(0).every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
  });

  it("draws below n uniformly enough and shuffles into a permutation", () => {
    const r = new SeededRandom(7);
    const counts = new Array<number>(5).fill(0);
    for (let i = 0; i < 50_000; i++) counts[r.below(5)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    const items = Array.from({ length: 100 }, (_, i) => i);
    r.shuffle(items);
    expect([...items].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(items).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(() => r.below(0)).toThrow(RangeError);
  });
});
