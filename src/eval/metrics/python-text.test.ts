import { describe, expect, it } from "vitest";
import { corpusBleu } from "./bleu.js";
import { corpusChrf } from "./chrf.js";
import { pyLen, pyRstrip, pySplit, pyStrip } from "./python-text.js";
import { tokenize13a } from "./sacrebleu-tokenizers.js";

describe("Python string semantics", () => {
  it("splits on Python's whitespace, not JavaScript's", () => {
    // U+001C–U+001F and U+0085 are whitespace in Python; U+FEFF and U+200B are not.
    expect(pySplit("a\x1cb\x85c d")).toEqual(["a", "b", "c", "d"]);
    expect(pySplit("a\ufeffb\u200bc")).toEqual(["a\ufeffb\u200bc"]);
    expect(pySplit("  a \u3000 b\u202f ")).toEqual(["a", "b"]);
    expect(pySplit("")).toEqual([]);
  });

  it("strips like str.rstrip / str.strip", () => {
    expect(pyRstrip("x \x1f\n")).toBe("x");
    expect(pyRstrip("x\ufeff")).toBe("x\ufeff");
    expect(pyStrip("\x85 x \xa0")).toBe("x");
  });

  it("counts code points", () => {
    expect(pyLen("😀ab")).toBe(3);
    expect("😀ab".length).toBe(4);
  });
});

describe("porting pitfalls (eval.md §3.4)", () => {
  it("13a leaves Arabic punctuation attached and treats Arabic-Indic digits as non-digits", () => {
    expect(tokenize13a("واش نتا مزيان؟ «لا»، ٣.٥")).toBe("واش نتا مزيان؟ «لا»، ٣ . ٥");
    expect(tokenize13a("3.5, a-b 7-x")).toBe("3.5 , a-b 7 - x");
  });

  it("scores 0 for a corpus without any 4-gram, even when identical", () => {
    expect(corpusBleu(["واش نتا مزيان"], [["واش نتا مزيان"]]).score).toBe(0);
    expect(corpusBleu(["واش نتا مزيان بزاف"], [["واش نتا مزيان بزاف"]]).score).toBeCloseTo(100, 10);
  });

  it("counts n-grams in a Map (a token named 'constructor' is an ordinary token)", () => {
    const score = corpusBleu(["constructor b c d"], [["a b c d"]]);
    expect(Number.isFinite(score.score)).toBe(true);
    expect(score.correct).toEqual([3, 2, 1, 0]);
  });

  it("counts chrF character n-grams in code points", () => {
    // "😀a" has 2 unigrams and 1 bigram in Python; UTF-16 would see 3 units.
    const score = corpusChrf(["😀a"], [["😀a"]], { charOrder: 2 });
    expect(score.statistics).toEqual([2, 2, 2, 1, 1, 1]);
    expect(score.score).toBeCloseTo(100, 10);
  });
});
