/**
 * Fallback vocabulary from `tokenizer.json`, used ONLY when `tokenizer.model` is absent.
 *
 * Limitation: a BPE `tokenizer.json` has no SentencePiece scores, and llama.cpp's SentencePiece tokenizer
 * ranks merges by score. We give each piece produced by a merge the score −(merge rank + 1), so earlier
 * merges win as they do in Hugging Face BPE; pieces no merge produces (characters, bytes, specials) get 0.
 * This reproduces the merge order but not the original scores, so rare tie-breaks may tokenize
 * differently from a `tokenizer.model`-based GGUF. Unigram `tokenizer.json` files carry real scores.
 * Piece types are inferred (see `pieceType`), since only `tokenizer.model` records them.
 */
import { AtlasError } from "../core/index.js";
import { isRecord } from "./file-io.js";
import { MAX_VOCAB_SIZE } from "./limits.js";
import { looksSpecial } from "./looks-special.js";
import { PIECE_TYPE, type SentencePieceModel } from "./sentencepiece-model.js";

const BYTE_PIECE = /^<0x[0-9A-Fa-f]{2}>$/;

/**
 * A piece's type without SentencePiece's own: `<0xNN>` is BYTE under byte fallback, texts llama.cpp
 * deems special (Gemma's `<unusedN>`, `<mask>`…) are CONTROL, the rest NORMAL.
 */
function pieceType(piece: string, byteFallback: boolean): number {
  if (byteFallback && BYTE_PIECE.test(piece)) return PIECE_TYPE.BYTE;
  return looksSpecial(piece) ? PIECE_TYPE.CONTROL : PIECE_TYPE.NORMAL;
}

function invalid(where: string, message: string): AtlasError {
  return new AtlasError("INVALID_MODEL", message, { where, hint: "re-download tokenizer.json" });
}

function checkId(id: unknown, where: string, what: string): number {
  if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id >= MAX_VOCAB_SIZE)
    throw invalid(where, `${what} has id ${JSON.stringify(id)}, not an integer in 0..${MAX_VOCAB_SIZE - 1}`);
  return id;
}

/**
 * Builds pieces/scores/types from a parsed `tokenizer.json` (at `where`), in the shape of a SentencePiece
 * model so the vocabulary builder can treat both sources alike.
 * @throws AtlasError UNSUPPORTED for a tokenizer model other than BPE or Unigram, INVALID_MODEL if malformed
 */
export function vocabFromTokenizerJson(json: unknown, where: string): SentencePieceModel {
  if (!isRecord(json) || !isRecord(json["model"])) throw invalid(where, "has no 'model' object");
  const model = json["model"];
  const pieces: (string | undefined)[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const set = (id: number, piece: string, score: number, type: number): void => {
    pieces[id] = piece;
    scores[id] = score;
    types[id] = type;
  };
  const byteFallback = model["byte_fallback"] === true;
  if (model["type"] === "BPE") {
    const vocab = model["vocab"];
    if (!isRecord(vocab)) throw invalid(where, "model.vocab is not an object");
    const ranks = mergeRanks(model["merges"], where);
    for (const [piece, rawId] of Object.entries(vocab)) {
      const id = checkId(rawId, where, `piece '${piece}'`);
      const rank = ranks.get(piece);
      set(id, piece, rank === undefined ? 0 : -(rank + 1), pieceType(piece, byteFallback));
    }
    const unk = model["unk_token"];
    if (typeof unk === "string") {
      const id = vocab[unk];
      if (typeof id === "number" && pieces[id] === unk) types[id] = PIECE_TYPE.UNKNOWN;
    }
  } else if (model["type"] === "Unigram") {
    const vocab = model["vocab"];
    if (!Array.isArray(vocab)) throw invalid(where, "model.vocab is not an array");
    if (vocab.length > MAX_VOCAB_SIZE)
      throw invalid(where, `model.vocab has more than ${MAX_VOCAB_SIZE} entries`);
    vocab.forEach((entry: unknown, id) => {
      if (!Array.isArray(entry) || typeof entry[0] !== "string" || typeof entry[1] !== "number")
        throw invalid(where, `model.vocab[${id}] is not a [piece, score] pair`);
      const piece = entry[0];
      set(id, piece, entry[1], pieceType(piece, byteFallback));
    });
    const unkId = model["unk_id"];
    if (typeof unkId === "number" && pieces[unkId] !== undefined) types[unkId] = PIECE_TYPE.UNKNOWN;
  } else {
    throw new AtlasError(
      "UNSUPPORTED",
      `tokenizer model type ${JSON.stringify(model["type"])} is not supported`,
      {
        where,
        hint: "add the model's tokenizer.model (SentencePiece) to the folder",
      },
    );
  }
  const added = json["added_tokens"];
  if (Array.isArray(added))
    for (const token of added) {
      if (!isRecord(token) || typeof token["content"] !== "string") continue;
      const id = checkId(token["id"], where, `added token '${token["content"]}'`);
      set(id, token["content"], 0, token["special"] === true ? PIECE_TYPE.CONTROL : PIECE_TYPE.USER_DEFINED);
    }
  const filled: string[] = [];
  for (let id = 0; id < pieces.length; id++) {
    const piece = pieces[id];
    if (piece === undefined) {
      filled.push(`[PAD${id}]`);
      scores[id] = -10000;
      types[id] = PIECE_TYPE.UNUSED;
    } else filled.push(piece);
  }
  return {
    pieces: filled,
    scores,
    types,
    trainer: { modelType: model["type"] === "BPE" ? 2 : 1, byteFallback },
    normalizer: {},
  };
}

/** Merge text → rank; a piece produced by several merges keeps the earliest. */
function mergeRanks(merges: unknown, where: string): Map<string, number> {
  const ranks = new Map<string, number>();
  if (merges === undefined) return ranks;
  if (!Array.isArray(merges)) throw invalid(where, "model.merges is not an array");
  merges.forEach((merge: unknown, rank) => {
    let left: unknown;
    let right: unknown;
    if (typeof merge === "string") {
      const space = merge.indexOf(" ");
      if (space < 0) throw invalid(where, `merge ${rank} ${JSON.stringify(merge)} has no space`);
      left = merge.slice(0, space);
      right = merge.slice(space + 1);
    } else if (Array.isArray(merge) && merge.length === 2) [left, right] = merge as unknown[];
    if (typeof left !== "string" || typeof right !== "string")
      throw invalid(where, `merge ${rank} is neither "a b" nor ["a", "b"]`);
    const piece = left + right;
    if (!ranks.has(piece)) ranks.set(piece, rank);
  });
  return ranks;
}
