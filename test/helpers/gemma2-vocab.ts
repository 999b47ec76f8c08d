/**
 * The vocabulary of generated Gemma-2 test models: Gemma's special pieces at deliberately different ids
 * than the real model (so code that hard-codes 106/107 fails), 256 byte pieces, BPE pieces trained on
 * our corpus, and `<unusedK>` padding up to the model's vocab size.
 */
import { trainBpe } from "./bpe-trainer.js";
import { CORPUS_LINES } from "./corpus.js";
import { PIECE_TYPE, type SentencePieceVocab } from "./sentencepiece-model-writer.js";

/** Ids of the special pieces in a generated vocabulary (read them from here, never hard-code them). */
export interface Gemma2SpecialIds {
  pad: number;
  eos: number;
  bos: number;
  unk: number;
  startOfTurn: number;
  endOfTurn: number;
}

/** A generated vocabulary: the SentencePiece arrays plus what tokenizer.json and tests need. */
export interface Gemma2Vocab extends SentencePieceVocab {
  pieces: string[];
  scores: number[];
  types: number[];
  specialIds: Gemma2SpecialIds;
  /** Number of ids before the `<unusedK>` padding. */
  trainedSize: number;
}

/** The special pieces, by id, with their SentencePiece types. */
export const SPECIAL_PIECES: readonly { piece: string; type: number }[] = [
  { piece: "<pad>", type: PIECE_TYPE.CONTROL },
  { piece: "<eos>", type: PIECE_TYPE.CONTROL },
  { piece: "<bos>", type: PIECE_TYPE.CONTROL },
  { piece: "<unk>", type: PIECE_TYPE.UNKNOWN },
  { piece: "<mask>", type: PIECE_TYPE.CONTROL },
  { piece: "<start_of_turn>", type: PIECE_TYPE.USER_DEFINED },
  { piece: "<end_of_turn>", type: PIECE_TYPE.USER_DEFINED },
];

/** How many ids the trained part of the vocabulary (specials + bytes + BPE pieces) aims for. */
export const TRAINED_VOCAB_TARGET = 600;

/** `<0x0A>`: the byte-fallback piece for one byte, as sentencepiece names it. */
export function bytePiece(byte: number): string {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`;
}

let trainedCache: { pieces: string[]; scores: number[] } | undefined;

/** Trains the BPE pieces once per process (deterministic, so caching changes nothing but time). */
function trainedPieces(): { pieces: string[]; scores: number[] } {
  if (trainedCache) return trainedCache;
  const fixed = SPECIAL_PIECES.length + 256;
  const characters = trainBpe(CORPUS_LINES, { numMerges: 0 }).characters.length;
  const { pieces } = trainBpe(CORPUS_LINES, {
    numMerges: Math.max(0, TRAINED_VOCAB_TARGET - fixed - characters),
  });
  trainedCache = { pieces: pieces.map((p) => p.piece), scores: pieces.map((p) => p.score) };
  return trainedCache;
}

/**
 * Builds the vocabulary, padded with CONTROL `<unusedK>` pieces to `vocabSize` ids. Gemma itself has 99
 * of them; with `options.controlPadding` only that many padding pieces are CONTROL and the rest are
 * UNUSED `<padK>` pieces, which a tokenizer that parses special tokens does not scan for (llama.cpp
 * searches the text for every CONTROL piece, so 255,000 of them make tokenizing far slower than with
 * the real vocabulary). Throws if `vocabSize` is smaller than the trained part (about
 * {@link TRAINED_VOCAB_TARGET}).
 */
export function gemma2Vocab(
  vocabSize: number,
  options: { controlPadding?: number | undefined } = {},
): Gemma2Vocab {
  const controlPadding = options.controlPadding ?? Number.POSITIVE_INFINITY;
  const pieces: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  for (const s of SPECIAL_PIECES) {
    pieces.push(s.piece);
    scores.push(0);
    types.push(s.type);
  }
  for (let b = 0; b < 256; b++) {
    pieces.push(bytePiece(b));
    scores.push(0);
    types.push(PIECE_TYPE.BYTE);
  }
  const trained = trainedPieces();
  pieces.push(...trained.pieces);
  scores.push(...trained.scores);
  for (let i = 0; i < trained.pieces.length; i++) types.push(PIECE_TYPE.NORMAL);
  const trainedSize = pieces.length;
  if (vocabSize < trainedSize) {
    throw new RangeError(
      `vocabSize ${vocabSize} is smaller than the trained vocabulary (${trainedSize} pieces)`,
    );
  }
  for (let k = 0; pieces.length < vocabSize; k++) {
    const control = k < controlPadding;
    pieces.push(control ? `<unused${k}>` : `<pad${k}>`);
    scores.push(0);
    types.push(control ? PIECE_TYPE.CONTROL : PIECE_TYPE.UNUSED);
  }
  const id = (piece: string): number => pieces.indexOf(piece);
  return {
    pieces,
    scores,
    types,
    trainedSize,
    specialIds: {
      pad: id("<pad>"),
      eos: id("<eos>"),
      bos: id("<bos>"),
      unk: id("<unk>"),
      startOfTurn: id("<start_of_turn>"),
      endOfTurn: id("<end_of_turn>"),
    },
  };
}
