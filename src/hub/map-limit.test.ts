import { describe, expect, it } from "vitest";
import { mapLimit } from "./map-limit.js";

describe("mapLimit", () => {
  it("keeps order and bounds concurrency", async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([1, 2, 3, 4, 5, 6], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 2));
      running--;
      return n * 10;
    });
    expect(out).toEqual([10, 20, 30, 40, 50, 60]);
    expect(peak).toBe(2);
  });

  it("throws the first error, aborts the others and starts no more", async () => {
    const started: number[] = [];
    let siblingAborted = false;
    await expect(
      mapLimit([1, 2, 3, 4], 2, async (n, signal) => {
        started.push(n);
        if (n === 1) throw new Error("first");
        await new Promise((r) => setTimeout(r, 10));
        siblingAborted = signal.aborted;
        throw new Error("second");
      }),
    ).rejects.toThrow("first");
    expect(started).toEqual([1, 2]);
    expect(siblingAborted).toBe(true);
  });
});
