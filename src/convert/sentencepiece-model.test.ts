import { describe, expect, it } from "vitest";
import { encodeSentencePieceModel } from "../../test/helpers/sentencepiece-model-writer.js";
import { isAtlasError } from "../core/index.js";
import { PIECE_TYPE, parseSentencePieceModel } from "./sentencepiece-model.js";

const vocab = {
  pieces: ["<pad>", "<eos>", "<bos>", "<unk>", "<0x41>", "▁سلام", "<start_of_turn>", "ab", "<unused0>"],
  scores: [0, 0, 0, 0, 0, -1.25, 0, -3.5, 0],
  types: [
    PIECE_TYPE.CONTROL,
    PIECE_TYPE.CONTROL,
    PIECE_TYPE.CONTROL,
    PIECE_TYPE.UNKNOWN,
    PIECE_TYPE.BYTE,
    PIECE_TYPE.NORMAL,
    PIECE_TYPE.USER_DEFINED,
    PIECE_TYPE.NORMAL,
    PIECE_TYPE.UNUSED,
  ],
};

function error(bytes: Uint8Array): string {
  try {
    parseSentencePieceModel(bytes, "/m/tokenizer.model");
  } catch (e) {
    if (isAtlasError(e, "INVALID_MODEL")) return e.message;
    throw e;
  }
  throw new Error("expected an error");
}

describe("parseSentencePieceModel", () => {
  it("reads pieces, float scores, types, trainer and normalizer specs", () => {
    const bytes = encodeSentencePieceModel(vocab, {
      trainer: { modelType: 2, byteFallback: true, padId: -1, bosId: 2, eosId: 1, unkId: 3, vocabSize: 9 },
      normalizer: { name: "identity", addDummyPrefix: false, removeExtraWhitespaces: false },
    });
    const model = parseSentencePieceModel(bytes, "x");
    expect(model.pieces).toEqual(vocab.pieces);
    expect(model.scores).toEqual(vocab.scores);
    expect(model.types).toEqual(vocab.types);
    expect(model.trainer).toMatchObject({
      modelType: 2,
      byteFallback: true,
      padId: -1,
      bosId: 2,
      eosId: 1,
      unkId: 3,
    });
    expect(model.normalizer).toMatchObject({
      name: "identity",
      addDummyPrefix: false,
      removeExtraWhitespaces: false,
    });
  });

  it("defaults an absent type to NORMAL and skips unknown fields", () => {
    // piece { piece: "x" (1), unknown field 9 = varint 7 }, no score, no type; then unknown top-level field 7.
    const piece = [0x0a, 0x01, 0x78, 0x48, 0x07];
    const bytes = Uint8Array.from([0x0a, piece.length, ...piece, 0x38, 0x01]);
    const model = parseSentencePieceModel(bytes, "x");
    expect(model.pieces).toEqual(["x"]);
    expect(model.types).toEqual([PIECE_TYPE.NORMAL]);
    expect(model.scores).toEqual([0]);
  });

  it("rejects truncated input, naming the file", () => {
    const bytes = encodeSentencePieceModel(vocab);
    expect(error(bytes.subarray(0, bytes.length - 3))).toMatch(
      /\/m\/tokenizer.model: is not a valid SentencePiece model: .*past the end/,
    );
  });

  it("rejects invalid UTF-8, unknown piece types, empty models and bad wire types", () => {
    expect(error(Uint8Array.from([0x0a, 0x03, 0x0a, 0x01, 0xff]))).toMatch(/not valid UTF-8/);
    expect(error(Uint8Array.from([0x0a, 0x05, 0x0a, 0x01, 0x78, 0x18, 0x09]))).toMatch(/unknown type 9/);
    expect(error(new Uint8Array(0))).toMatch(/holds no pieces/);
    expect(error(Uint8Array.from([0x0b]))).toMatch(/unsupported wire type 3/);
    expect(
      error(Uint8Array.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])),
    ).toMatch(/varint longer than 10 bytes/);
  });
});
