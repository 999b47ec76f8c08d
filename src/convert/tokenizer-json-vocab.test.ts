import { describe, expect, it } from "vitest";
import { isAtlasError } from "../core/index.js";
import { PIECE_TYPE } from "./sentencepiece-model.js";
import { vocabFromTokenizerJson } from "./tokenizer-json-vocab.js";

describe("vocabFromTokenizerJson (fallback when tokenizer.model is absent)", () => {
  it("derives BPE scores from merge ranks and types from the model", () => {
    const model = vocabFromTokenizerJson(
      {
        added_tokens: [
          { id: 0, content: "<pad>", special: true },
          { id: 9, content: "<extra>", special: false },
        ],
        model: {
          type: "BPE",
          byte_fallback: true,
          unk_token: "<unk>",
          vocab: { "<pad>": 0, "<unk>": 1, "<0x41>": 2, a: 3, b: 4, ab: 5, abb: 6, "▁": 7 },
          merges: ["a b", ["ab", "b"]],
        },
      },
      "/m/tokenizer.json",
    );
    expect(model.pieces).toEqual([
      "<pad>",
      "<unk>",
      "<0x41>",
      "a",
      "b",
      "ab",
      "abb",
      "▁",
      "[PAD8]",
      "<extra>",
    ]);
    expect(model.scores).toEqual([0, 0, 0, 0, 0, -1, -2, 0, -10000, 0]);
    expect(model.types).toEqual([
      PIECE_TYPE.CONTROL,
      PIECE_TYPE.UNKNOWN,
      PIECE_TYPE.BYTE,
      PIECE_TYPE.NORMAL,
      PIECE_TYPE.NORMAL,
      PIECE_TYPE.NORMAL,
      PIECE_TYPE.NORMAL,
      PIECE_TYPE.NORMAL,
      PIECE_TYPE.UNUSED,
      PIECE_TYPE.USER_DEFINED,
    ]);
  });

  it("keeps Unigram scores", () => {
    const model = vocabFromTokenizerJson(
      {
        model: {
          type: "Unigram",
          unk_id: 0,
          vocab: [
            ["<unk>", 0],
            ["x", -2.5],
          ],
        },
      },
      "x",
    );
    expect(model.scores).toEqual([0, -2.5]);
    expect(model.types).toEqual([PIECE_TYPE.UNKNOWN, PIECE_TYPE.NORMAL]);
  });

  it("rejects other tokenizer models and malformed entries", () => {
    const code = (json: unknown): string | undefined => {
      try {
        vocabFromTokenizerJson(json, "x");
      } catch (error) {
        return isAtlasError(error) ? error.code : "other";
      }
      return undefined;
    };
    expect(code({ model: { type: "WordPiece", vocab: {} } })).toBe("UNSUPPORTED");
    expect(code({ model: { type: "BPE", vocab: { a: -1 } } })).toBe("INVALID_MODEL");
    expect(code({ model: { type: "BPE", vocab: {}, merges: ["nospace"] } })).toBe("INVALID_MODEL");
    expect(code({})).toBe("INVALID_MODEL");
  });
});
