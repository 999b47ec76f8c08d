import { describe, expect, it } from "vitest";
import { argmax, meanStderr, scoreMultipleChoice } from "./accuracy.js";
import { bootstrapMean, percentile } from "./bootstrap.js";
import { getMetric } from "./registry.js";
import { rougeScores, rougeTokenize } from "./rouge.js";
import { combineVerdicts, wilsonInterval, winRate } from "./win-rate.js";

describe("ROUGE (rouge_score defaults)", () => {
  it("deletes everything outside [a-z0-9]: Arabic script vanishes", () => {
    expect(rougeTokenize("Salam! الطاجين 3la l-khedma, ٣")).toEqual(["salam", "3la", "l", "khedma"]);
    const s = rougeScores("الطاجين بنين", "الطاجين بنين");
    expect(s.rouge1.fmeasure).toBe(0);
    expect(s.rougeL.fmeasure).toBe(0);
  });

  it("computes ROUGE-1/2/L by hand-checked counts", () => {
    const s = rougeScores("the cat sat on the mat", "the cat on the mat");
    // unigrams: overlap 5 of 5 predicted, 6 reference
    expect(s.rouge1.precision).toBe(1);
    expect(s.rouge1.recall).toBeCloseTo(5 / 6, 12);
    // bigrams: the cat, on the, the mat = 3 of 4 predicted, 5 reference
    expect(s.rouge2.fmeasure).toBeCloseTo((2 * (3 / 4) * (3 / 5)) / (3 / 4 + 3 / 5), 12);
    // LCS = 5
    expect(s.rougeL.fmeasure).toBeCloseTo((2 * 1 * (5 / 6)) / (1 + 5 / 6), 12);
  });

  it("ROUGE-Lsum takes the union LCS over sentences without double counting", () => {
    const s = rougeScores("a b c d", "a b\nc d a");
    expect(s.rougeLsum.recall).toBe(1);
    expect(s.rougeLsum.precision).toBeCloseTo(4 / 5, 12);
    // The same token cannot be a hit more often than it occurs in the target.
    const d = rougeScores("a\na", "a a a");
    expect(d.rougeLsum.recall).toBe(1);
    expect(d.rougeLsum.precision).toBeCloseTo(2 / 3, 12);
  });

  it("aggregates with a deterministic bootstrap (mid), reporting ×100", () => {
    const samples = [
      { prediction: "the cat", references: ["the cat"] },
      { prediction: "a dog", references: ["the cat"] },
    ];
    const first = getMetric("rouge1").compute(samples);
    const again = getMetric("rouge1").compute(samples);
    expect(first).toEqual(again);
    expect(first.value).toBeGreaterThanOrEqual(0);
    expect(first.value).toBeLessThanOrEqual(100);
    expect(first.extra?.["mean"]).toBe(50);
  });
});

describe("bootstrap", () => {
  it("interpolates percentiles like numpy", () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([0, 10], 2.5)).toBeCloseTo(0.25, 12);
  });
  it("is exact for constant values and seeded otherwise", () => {
    expect(bootstrapMean([0.3, 0.3, 0.3])).toEqual({ low: 0.3, mid: 0.3, high: 0.3 });
    const values = Array.from({ length: 50 }, (_, i) => ((i * 0.6180339887) % 1) * 0.98 + 0.01);
    const a = bootstrapMean(values, { seed: 7 });
    expect(bootstrapMean(values, { seed: 7 })).toEqual(a);
    expect(bootstrapMean(values, { seed: 8 })).not.toEqual(a);
    expect(a.low).toBeLessThan(a.mid);
    expect(a.mid).toBeLessThan(a.high);
    expect(Math.abs(a.mid - 0.5)).toBeLessThan(0.05);
  });
});

describe("acc / acc_norm (lm-eval)", () => {
  it("normalises by code points, not UTF-16 units", () => {
    // Raw: choice 0 wins. Per code point: "😀😀" is 2 code points (4 UTF-16 units): -3/2 = -1.5 beats -2/1.
    const choices = ["x", "😀😀"];
    const outcome = scoreMultipleChoice(
      choices,
      [
        { logprob: -2, isGreedy: false },
        { logprob: -3, isGreedy: true },
      ],
      1,
    );
    expect(outcome).toMatchObject({ acc: 0, acc_norm: 1, exact_match: 1, prediction: 0, predictionNorm: 1 });
  });
  it("counts out-of-range golds as wrong, accepts several golds, and breaks ties to the first", () => {
    const scores = [
      { logprob: -1, isGreedy: true },
      { logprob: -1, isGreedy: false },
    ];
    expect(argmax([-1, -1])).toBe(0);
    expect(scoreMultipleChoice(["a", "b"], scores, 5).acc).toBe(0);
    expect(scoreMultipleChoice(["a", "b"], scores, [1, 0]).acc).toBe(1);
  });
  it("standard error uses the sample deviation", () => {
    expect(meanStderr([1, 0, 1, 0])).toBeCloseTo(Math.sqrt(1 / 3 / 4), 12);
  });
});

describe("win rate", () => {
  it("keeps only consistent pairs and reports the others separately", () => {
    expect(combineVerdicts("A", "B")).toBe("win");
    expect(combineVerdicts("B", "A")).toBe("loss");
    expect(combineVerdicts("A", "A")).toBe("inconsistent");
    expect(combineVerdicts(undefined, "A")).toBe("invalid");
    const rate = winRate(["win", "win", "win", "loss", "inconsistent", "invalid"]);
    expect(rate).toMatchObject({
      winRate: 75,
      wins: 3,
      losses: 1,
      inconsistent: 1,
      invalid: 1,
      consistent: 4,
    });
    expect(rate.ciLow).toBeLessThan(75);
    expect(rate.ciHigh).toBeGreaterThan(75);
  });
  it("Wilson interval matches the closed form", () => {
    const [low, high] = wilsonInterval(8, 10);
    expect(low).toBeCloseTo(0.4902, 4);
    expect(high).toBeCloseTo(0.9433, 4);
  });
});
