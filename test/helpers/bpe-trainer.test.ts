import { describe, expect, it } from "vitest";
import { SPACE_SYMBOL, splitWords, trainBpe } from "./bpe-trainer.js";
import { CORPUS_LINES } from "./corpus.js";

describe("splitWords", () => {
  it("glues each space as ▁ to the next word, with no dummy prefix at the start", () => {
    expect(splitWords("salam, labas 3lik")).toEqual(["salam,", "▁labas", "▁3lik"]);
    expect(splitWords("a  b")).toEqual(["a", SPACE_SYMBOL, "▁b"]);
    expect(splitWords(" x ")).toEqual(["▁x", SPACE_SYMBOL]);
    expect(splitWords("a\tb")).toEqual(["a", "\t", "b"]);
  });
});

describe("trainBpe", () => {
  const trained = trainBpe(CORPUS_LINES, { numMerges: 200 });

  it("is deterministic", () => {
    expect(trainBpe(CORPUS_LINES, { numMerges: 200 })).toEqual(trained);
  });

  it("learns merges scored −index, then characters scored below every merge, \\n included", () => {
    expect(trained.merges).toHaveLength(200);
    trained.merges.forEach(([l, r], i) => {
      expect(trained.pieces[i]).toEqual({ piece: l + r, score: 0 - i });
    });
    const chars = trained.pieces.slice(200);
    expect(chars.map((p) => p.piece)).toEqual(trained.characters);
    chars.forEach((p, rank) => expect(p.score).toBe(-(200 + rank)));
    expect(trained.characters).toContain("\n");
    expect(trained.characters).toContain(SPACE_SYMBOL);
    expect(trained.characters).not.toContain(" ");
    expect(new Set(trained.pieces.map((p) => p.piece)).size).toBe(trained.pieces.length);
  });

  it("never merges across a word boundary: ▁ only ever starts a piece", () => {
    for (const { piece } of trained.pieces) expect(piece.slice(1)).not.toContain(SPACE_SYMBOL);
  });

  it("merges the most frequent pair first", () => {
    const tiny = trainBpe(["ab ab ab cd cd"], { numMerges: 1 });
    expect(tiny.merges).toEqual([["a", "b"]]);
    // Ties go to the smallest pair in code-unit order.
    expect(trainBpe(["xy xy ab ab"], { numMerges: 1 }).merges).toEqual([["a", "b"]]);
    // Pairs below minFrequency are not merged.
    expect(trainBpe(["ab"], { numMerges: 5 }).merges).toEqual([]);
  });
});
