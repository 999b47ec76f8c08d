/**
 * The GGUF vocabulary of a Gemma-2 checkpoint, built the way llama.cpp's converter does
 * (`_create_vocab_sentencepiece` + `SpecialVocab`): pieces, scores and types from `tokenizer.model`,
 * then `added_tokens.json`, then `tokenizer_config.json`'s `added_tokens_decoder`, then special ids.
 */
import { join } from "node:path";
import { AtlasError } from "../core/index.js";
import { isRecord, readJsonObject, readSmallFile } from "./file-io.js";
import { looksSpecial } from "./looks-special.js";
import { MAX_JSON_FILE_BYTES, MAX_TOKENIZER_JSON_BYTES, MAX_TOKENIZER_MODEL_BYTES } from "./limits.js";
import { PIECE_TYPE, parseSentencePieceModel, type SentencePieceModel } from "./sentencepiece-model.js";
import { resolveSpecialTokens, type SpecialTokens } from "./special-tokens.js";
import { vocabFromTokenizerJson } from "./tokenizer-json-vocab.js";

/** A vocabulary ready for the `tokenizer.*` GGUF keys. */
export interface GgufVocab {
  /** Which file the pieces came from. */
  source: "tokenizer.model" | "tokenizer.json";
  tokens: string[];
  scores: number[];
  /** GGUF token types: 1 NORMAL, 2 UNKNOWN, 3 CONTROL, 4 USER_DEFINED, 5 UNUSED, 6 BYTE. */
  types: number[];
  special: SpecialTokens;
  warnings: string[];
}

/**
 * The type llama.cpp writes for a SentencePiece piece: it asks sentencepiece's Python API IsUnknown,
 * IsControl, IsUnused, IsByte in turn and otherwise writes NORMAL, so USER_DEFINED pieces become NORMAL.
 */
function ggufTypeOfPiece(spType: number): number {
  if (spType === PIECE_TYPE.UNKNOWN || spType === PIECE_TYPE.CONTROL) return spType;
  if (spType === PIECE_TYPE.UNUSED || spType === PIECE_TYPE.BYTE) return spType;
  return PIECE_TYPE.NORMAL;
}

/** Options of {@link buildGemma2Vocab}. */
export interface BuildVocabOptions {
  dir: string;
  /** `vocab_size` of config.json: the number of GGUF tokens. */
  vocabSize: number;
  /** Parsed config.json (for integer `*_token_id` fallbacks). */
  config: Record<string, unknown>;
}

async function loadPieces(
  dir: string,
  warnings: string[],
): Promise<{
  model: SentencePieceModel;
  source: GgufVocab["source"];
  tokenizerJson: Record<string, unknown> | undefined;
}> {
  const modelPath = join(dir, "tokenizer.model");
  const jsonPath = join(dir, "tokenizer.json");
  const modelBytes = await readSmallFile(modelPath, MAX_TOKENIZER_MODEL_BYTES);
  const tokenizerJson = await readJsonObject(jsonPath, MAX_TOKENIZER_JSON_BYTES);
  if (modelBytes !== undefined)
    return {
      model: parseSentencePieceModel(modelBytes, modelPath),
      source: "tokenizer.model",
      tokenizerJson,
    };
  if (tokenizerJson !== undefined) {
    warnings.push(
      "no tokenizer.model: vocabulary taken from tokenizer.json, whose BPE merges give approximate scores (see docs/convert.md)",
    );
    return {
      model: vocabFromTokenizerJson(tokenizerJson, jsonPath),
      source: "tokenizer.json",
      tokenizerJson,
    };
  }
  throw new AtlasError("NOT_FOUND", "missing tokenizer.model (and tokenizer.json)", {
    where: dir,
    hint: "the tokenizer files are part of the checkpoint: download them too",
  });
}

/**
 * Builds the vocabulary of the checkpoint in `dir`.
 * @throws AtlasError NOT_FOUND when neither tokenizer.model nor tokenizer.json exists, INVALID_MODEL when
 *   a tokenizer file is malformed
 */
export async function buildGemma2Vocab(options: BuildVocabOptions): Promise<GgufVocab> {
  const { dir, vocabSize } = options;
  const warnings: string[] = [];
  const { model, source, tokenizerJson } = await loadPieces(dir, warnings);
  const tokens = Array.from({ length: vocabSize }, (_, i) => `[PAD${i}]`);
  const scores = new Array<number>(vocabSize).fill(-10000);
  const types = new Array<number>(vocabSize).fill(PIECE_TYPE.UNUSED);
  if (model.pieces.length > vocabSize)
    warnings.push(
      `${source} has ${model.pieces.length} pieces but config.json vocab_size is ${vocabSize}: ids from ${vocabSize} on are ignored`,
    );
  const count = Math.min(vocabSize, model.pieces.length);
  for (let id = 0; id < count; id++) {
    tokens[id] = model.pieces[id]!;
    scores[id] = model.scores[id]!;
    types[id] = ggufTypeOfPiece(model.types[id]!);
  }

  const addedPath = join(dir, "added_tokens.json");
  const addedTokens = await readJsonObject(addedPath, MAX_JSON_FILE_BYTES);
  for (const [text, id] of Object.entries(addedTokens ?? {})) {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0)
      throw new AtlasError(
        "INVALID_MODEL",
        `token '${text}' has id ${JSON.stringify(id)}, not a non-negative integer`,
        {
          where: addedPath,
        },
      );
    if (id >= vocabSize) {
      warnings.push(
        `added_tokens.json: token '${text}' id ${id} is out of range (vocab_size ${vocabSize}): ignored`,
      );
      continue;
    }
    tokens[id] = text;
    scores[id] = -1000;
    types[id] = PIECE_TYPE.USER_DEFINED;
  }

  const configPath = join(dir, "tokenizer_config.json");
  const tokenizerConfig = await readJsonObject(configPath, MAX_TOKENIZER_JSON_BYTES);
  const decoder = tokenizerConfig?.["added_tokens_decoder"];
  if (isRecord(decoder))
    for (const [rawId, data] of Object.entries(decoder)) {
      if (!/^\d+$/.test(rawId) || !isRecord(data) || typeof data["content"] !== "string")
        throw new AtlasError("INVALID_MODEL", `added_tokens_decoder entry '${rawId}' is malformed`, {
          where: configPath,
        });
      const id = Number(rawId);
      if (id >= vocabSize) {
        warnings.push(
          `tokenizer_config.json: added token ${id} is out of range (vocab_size ${vocabSize}): ignored`,
        );
        continue;
      }
      let text = data["content"];
      if (data["special"] === true || looksSpecial(text)) types[id] = PIECE_TYPE.CONTROL;
      else {
        text = text.replaceAll("\u2581", " ");
        types[id] = PIECE_TYPE.USER_DEFINED;
      }
      scores[id] = -1000;
      tokens[id] = text;
    }

  const special = resolveSpecialTokens({
    tokens,
    tokenizerJson,
    tokenizerConfig,
    config: options.config,
    trainer: model.trainer,
    chatTemplateFile: await readChatTemplateFile(dir),
    warnings,
  });
  return { source, tokens, scores, types, special, warnings };
}

/** `chat_template.jinja`, else `chat_template` of `chat_template.json`, else undefined. */
async function readChatTemplateFile(dir: string): Promise<unknown> {
  const jinja = await readSmallFile(join(dir, "chat_template.jinja"), MAX_JSON_FILE_BYTES);
  if (jinja !== undefined) return jinja.toString("utf8");
  const json = await readJsonObject(join(dir, "chat_template.json"), MAX_JSON_FILE_BYTES);
  return json?.["chat_template"];
}
