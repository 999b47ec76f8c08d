/**
 * Writes a SentencePiece `tokenizer.model` (a serialized `sentencepiece.ModelProto`) with the field
 * numbers of sentencepiece's `sentencepiece_model.proto`, so Python's sentencepiece, llama.cpp's
 * converter and our own reader can all load it.
 */
import { writeFile } from "node:fs/promises";
import { ProtobufWriter } from "./protobuf-writer.js";

/** `ModelProto.SentencePiece.Type` values. */
export const PIECE_TYPE = {
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
} as const;

/** A `PIECE_TYPE` value. */
export type PieceType = (typeof PIECE_TYPE)[keyof typeof PIECE_TYPE];

/** A vocabulary as parallel arrays, indexed by token id (the layout llama.cpp's GGUF uses too). */
export interface SentencePieceVocab {
  pieces: readonly string[];
  scores: readonly number[];
  types: readonly number[];
}

/** `TrainerSpec` fields we write; every one has a default in {@link encodeSentencePieceModel}. */
export interface TrainerSpecFields {
  /** 1 UNIGRAM, 2 BPE. Default 2. */
  modelType: number;
  vocabSize: number;
  byteFallback: boolean;
  splitByUnicodeScript: boolean;
  splitByNumber: boolean;
  splitByWhitespace: boolean;
  splitDigits: boolean;
  treatWhitespaceAsSuffix: boolean;
  allowWhitespaceOnlyPieces: boolean;
  maxSentencepieceLength: number;
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
  unkPiece: string;
  bosPiece: string;
  eosPiece: string;
  padPiece: string;
  unkSurface: string;
}

/** `NormalizerSpec` fields we write. Defaults are Gemma's: identity, no dummy prefix, keep whitespace. */
export interface NormalizerSpecFields {
  name: string;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

/** Options of {@link encodeSentencePieceModel}. */
export interface SentencePieceModelOptions {
  trainer?: Partial<TrainerSpecFields>;
  normalizer?: Partial<NormalizerSpecFields>;
}

/** Field numbers in `sentencepiece_model.proto`. */
const FIELD = {
  model: { pieces: 1, trainerSpec: 2, normalizerSpec: 3 },
  piece: { piece: 1, score: 2, type: 3 },
  trainer: {
    modelType: 3,
    vocabSize: 4,
    maxSentencepieceLength: 20,
    splitByUnicodeScript: 21,
    splitByWhitespace: 22,
    splitByNumber: 23,
    treatWhitespaceAsSuffix: 24,
    splitDigits: 25,
    allowWhitespaceOnlyPieces: 26,
    byteFallback: 35,
    unkId: 40,
    bosId: 41,
    eosId: 42,
    padId: 43,
    unkSurface: 44,
    unkPiece: 45,
    bosPiece: 46,
    eosPiece: 47,
    padPiece: 48,
  },
  normalizer: { name: 1, addDummyPrefix: 3, removeExtraWhitespaces: 4, escapeWhitespaces: 5 },
} as const;

/** Finds the id of the piece with this text and type, or -1 (SentencePiece's "not used"). */
function findId(vocab: SentencePieceVocab, text: string, type: number): number {
  for (let i = 0; i < vocab.pieces.length; i++) {
    if (vocab.pieces[i] === text && vocab.types[i] === type) return i;
  }
  return -1;
}

/**
 * Serializes a vocabulary as a `ModelProto`. The trainer spec's special ids default to the ids of the
 * `<unk>`/`<bos>`/`<eos>`/`<pad>` pieces in `vocab`, so the file is self-consistent.
 */
export function encodeSentencePieceModel(
  vocab: SentencePieceVocab,
  options: SentencePieceModelOptions = {},
): Uint8Array {
  const n = vocab.pieces.length;
  if (vocab.scores.length !== n || vocab.types.length !== n) {
    throw new Error(
      `sentencepiece: ${n} pieces but ${vocab.scores.length} scores, ${vocab.types.length} types`,
    );
  }
  const t: TrainerSpecFields = {
    modelType: 2,
    vocabSize: n,
    byteFallback: true,
    splitByUnicodeScript: false,
    splitByNumber: false,
    splitByWhitespace: true,
    splitDigits: false,
    treatWhitespaceAsSuffix: false,
    allowWhitespaceOnlyPieces: false,
    maxSentencepieceLength: 16,
    unkId: findId(vocab, "<unk>", PIECE_TYPE.UNKNOWN),
    bosId: findId(vocab, "<bos>", PIECE_TYPE.CONTROL),
    eosId: findId(vocab, "<eos>", PIECE_TYPE.CONTROL),
    padId: findId(vocab, "<pad>", PIECE_TYPE.CONTROL),
    unkPiece: "<unk>",
    bosPiece: "<bos>",
    eosPiece: "<eos>",
    padPiece: "<pad>",
    unkSurface: " \u2047 ",
    ...options.trainer,
  };
  const norm: NormalizerSpecFields = {
    name: "identity",
    addDummyPrefix: false,
    removeExtraWhitespaces: false,
    escapeWhitespaces: true,
    ...options.normalizer,
  };

  const out = new ProtobufWriter();
  for (let i = 0; i < n; i++) {
    const piece = new ProtobufWriter()
      .string(FIELD.piece.piece, vocab.pieces[i]!)
      .float(FIELD.piece.score, vocab.scores[i]!);
    const type = vocab.types[i]!;
    // NORMAL is the proto default; sentencepiece's own writer omits it, and so do we.
    if (type !== PIECE_TYPE.NORMAL) piece.enumValue(FIELD.piece.type, type);
    out.message(FIELD.model.pieces, piece);
  }

  const f = FIELD.trainer;
  const trainer = new ProtobufWriter()
    .enumValue(f.modelType, t.modelType)
    .int(f.vocabSize, t.vocabSize)
    .int(f.maxSentencepieceLength, t.maxSentencepieceLength)
    .bool(f.splitByUnicodeScript, t.splitByUnicodeScript)
    .bool(f.splitByWhitespace, t.splitByWhitespace)
    .bool(f.splitByNumber, t.splitByNumber)
    .bool(f.treatWhitespaceAsSuffix, t.treatWhitespaceAsSuffix)
    .bool(f.splitDigits, t.splitDigits)
    .bool(f.allowWhitespaceOnlyPieces, t.allowWhitespaceOnlyPieces)
    .bool(f.byteFallback, t.byteFallback)
    .int(f.unkId, t.unkId)
    .int(f.bosId, t.bosId)
    .int(f.eosId, t.eosId)
    .int(f.padId, t.padId)
    .string(f.unkSurface, t.unkSurface)
    .string(f.unkPiece, t.unkPiece)
    .string(f.bosPiece, t.bosPiece)
    .string(f.eosPiece, t.eosPiece)
    .string(f.padPiece, t.padPiece);
  out.message(FIELD.model.trainerSpec, trainer);

  const g = FIELD.normalizer;
  const normalizer = new ProtobufWriter()
    .string(g.name, norm.name)
    .bool(g.addDummyPrefix, norm.addDummyPrefix)
    .bool(g.removeExtraWhitespaces, norm.removeExtraWhitespaces)
    .bool(g.escapeWhitespaces, norm.escapeWhitespaces);
  out.message(FIELD.model.normalizerSpec, normalizer);
  return out.finish();
}

/** Writes {@link encodeSentencePieceModel}'s bytes to `path` (e.g. `<dir>/tokenizer.model`). */
export async function writeSentencePieceModel(
  path: string,
  vocab: SentencePieceVocab,
  options: SentencePieceModelOptions = {},
): Promise<void> {
  await writeFile(path, encodeSentencePieceModel(vocab, options));
}
