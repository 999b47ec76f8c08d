/**
 * Reads a SentencePiece `tokenizer.model` (a `ModelProto` protobuf): the pieces with their scores and
 * types, plus the trainer and normalizer fields llama.cpp's converter looks at.
 */
import { AtlasError } from "../core/index.js";
import { MAX_VOCAB_SIZE } from "./limits.js";
import { ProtoReader, ProtobufError, WIRE } from "./protobuf-reader.js";

/** SentencePiece piece types (also GGUF `tokenizer.ggml.token_type` values). */
export const PIECE_TYPE = {
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
} as const;

/** TrainerSpec fields we read (absent fields stay undefined; SentencePiece's defaults apply). */
export interface SentencePieceTrainerSpec {
  /** 1 UNIGRAM, 2 BPE, 3 WORD, 4 CHAR. */
  modelType?: number;
  vocabSize?: number;
  byteFallback?: boolean;
  unkId?: number;
  bosId?: number;
  eosId?: number;
  padId?: number;
}

/** NormalizerSpec fields we read. */
export interface SentencePieceNormalizerSpec {
  name?: string;
  addDummyPrefix?: boolean;
  removeExtraWhitespaces?: boolean;
  escapeWhitespaces?: boolean;
}

/** A parsed `tokenizer.model`. */
export interface SentencePieceModel {
  pieces: string[];
  scores: number[];
  /** Raw SentencePiece types (NORMAL when the field is absent). */
  types: number[];
  trainer: SentencePieceTrainerSpec;
  normalizer: SentencePieceNormalizerSpec;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses the bytes of a `tokenizer.model` read from `where`.
 * @throws AtlasError INVALID_MODEL when the protobuf is malformed or a piece is not UTF-8
 */
export function parseSentencePieceModel(bytes: Uint8Array, where: string): SentencePieceModel {
  const model: SentencePieceModel = { pieces: [], scores: [], types: [], trainer: {}, normalizer: {} };
  try {
    const reader = new ProtoReader(bytes);
    while (reader.more()) {
      const { field, wire } = reader.key();
      if (field === 1 && wire === WIRE.LEN) {
        if (model.pieces.length >= MAX_VOCAB_SIZE)
          throw new ProtobufError(`more than ${MAX_VOCAB_SIZE} pieces`);
        readPiece(reader.message(), model);
      } else if (field === 2 && wire === WIRE.LEN) readTrainer(reader.message(), model.trainer);
      else if (field === 3 && wire === WIRE.LEN) readNormalizer(reader.message(), model.normalizer);
      else reader.skip(wire);
    }
  } catch (error) {
    if (error instanceof ProtobufError)
      throw new AtlasError("INVALID_MODEL", `is not a valid SentencePiece model: ${error.message}`, {
        where,
        hint: "re-download tokenizer.model",
        cause: error,
      });
    throw error;
  }
  if (model.pieces.length === 0)
    throw new AtlasError("INVALID_MODEL", "SentencePiece model holds no pieces", {
      where,
      hint: "re-download tokenizer.model",
    });
  return model;
}

function readPiece(reader: ProtoReader, model: SentencePieceModel): void {
  let piece: string | undefined;
  let score = 0;
  let type: number = PIECE_TYPE.NORMAL;
  while (reader.more()) {
    const { field, wire } = reader.key();
    if (field === 1 && wire === WIRE.LEN) {
      try {
        piece = utf8.decode(reader.bytesField());
      } catch {
        throw new ProtobufError(`piece ${model.pieces.length} is not valid UTF-8`);
      }
    } else if (field === 2 && wire === WIRE.FIXED32) score = reader.float32();
    else if (field === 3 && wire === WIRE.VARINT) type = reader.int32();
    else reader.skip(wire);
  }
  if (piece === undefined) throw new ProtobufError(`piece ${model.pieces.length} has no text`);
  if (type < PIECE_TYPE.NORMAL || type > PIECE_TYPE.BYTE)
    throw new ProtobufError(`piece ${model.pieces.length} ('${piece}') has unknown type ${type}`);
  model.pieces.push(piece);
  model.scores.push(score);
  model.types.push(type);
}

function readTrainer(reader: ProtoReader, spec: SentencePieceTrainerSpec): void {
  while (reader.more()) {
    const { field, wire } = reader.key();
    if (wire !== WIRE.VARINT) {
      reader.skip(wire);
      continue;
    }
    if (field === 3) spec.modelType = reader.int32();
    else if (field === 4) spec.vocabSize = reader.int32();
    else if (field === 35) spec.byteFallback = reader.varint() !== 0;
    else if (field === 40) spec.unkId = reader.int32();
    else if (field === 41) spec.bosId = reader.int32();
    else if (field === 42) spec.eosId = reader.int32();
    else if (field === 43) spec.padId = reader.int32();
    else reader.skip(wire);
  }
}

function readNormalizer(reader: ProtoReader, spec: SentencePieceNormalizerSpec): void {
  while (reader.more()) {
    const { field, wire } = reader.key();
    if (field === 1 && wire === WIRE.LEN) {
      try {
        spec.name = utf8.decode(reader.bytesField());
      } catch {
        throw new ProtobufError("normalizer name is not valid UTF-8");
      }
    } else if (wire === WIRE.VARINT && field === 3) spec.addDummyPrefix = reader.varint() !== 0;
    else if (wire === WIRE.VARINT && field === 4) spec.removeExtraWhitespaces = reader.varint() !== 0;
    else if (wire === WIRE.VARINT && field === 5) spec.escapeWhitespaces = reader.varint() !== 0;
    else reader.skip(wire);
  }
}
