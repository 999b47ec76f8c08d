import { describe, expect, it } from "vitest";
import { SamplePacker } from "./sample-packer.js";
import type { TokenizedSample } from "./tokenize-conversation.js";

const sample = (n: number, tag: number): TokenizedSample => ({
  ids: new Int32Array(n).fill(tag),
  trained: new Uint8Array(n),
});

async function pack(lengths: number[], maxLen: number, window?: number): Promise<number[][]> {
  const rows: number[][] = [];
  const packer = new SamplePacker(
    maxLen,
    (samples) => {
      rows.push(samples.map((s) => s.ids[0]!));
      return Promise.resolve();
    },
    window,
  );
  for (const [i, n] of lengths.entries()) await packer.add(sample(n, i));
  await packer.flush();
  return rows;
}

describe("SamplePacker", () => {
  it("fills rows first-fit, emits full rows at once, keeps every sample exactly once", async () => {
    const lengths = [6, 5, 4, 3, 2, 8, 1, 10];
    const rows = await pack(lengths, 10);
    // 6+4 fills a row (emitted), 5+3+2 fills one, 10 fills one, 8+1 waits for the end.
    expect(rows).toEqual([[0, 2], [1, 3, 4], [7], [5, 6]]);
    expect(rows.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
  });

  it("bounds the open rows by the window (oldest out first) and refuses over-long samples", async () => {
    const rows = await pack([6, 6, 6, 6], 10, 2);
    expect(rows).toEqual([[0], [1], [2], [3]]);
    await expect(new SamplePacker(4, () => Promise.resolve()).add(sample(5, 0))).rejects.toThrow(RangeError);
  });
});
