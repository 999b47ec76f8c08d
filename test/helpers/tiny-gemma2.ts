/**
 * Generates Gemma-2 checkpoints in the Hugging Face layout (config, tokenizer files, safetensors shards)
 * from seeded random weights — tiny ones for tests, full 2B-shaped ones for benchmarks (random weights
 * cost the same compute as trained ones). Weights are streamed chunk by chunk, so even the ~5 GB 2B
 * checkpoint is written with little memory.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeBf16, decodeF16, encodeBf16, encodeF16 } from "../../src/convert/float16.js";
import { gemma2Vocab, type Gemma2SpecialIds } from "./gemma2-vocab.js";
import {
  GEMMA2_CHAT_TEMPLATE,
  specialTokensMapJson,
  tokenizerConfigJson,
  tokenizerJson,
} from "./hf-tokenizer-files.js";
import { Rng, hashString } from "./rng.js";
import { writeShardedCheckpoint, type SafetensorsDtype, type TensorSource } from "./safetensors-writer.js";
import { writeSentencePieceModel } from "./sentencepiece-model-writer.js";

/** The shape of a Gemma-2 model. */
export interface Gemma2Shape {
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  intermediateSize: number;
  slidingWindow: number;
  maxPositionEmbeddings: number;
  queryPreAttnScalar: number;
  /** Total ids; the trained vocabulary (~600) is padded with CONTROL `<unusedK>` pieces up to this. */
  vocabSize: number;
}

/** A tiny Gemma-2 for tests: 2 layers, hidden 64, GQA 4/2, window 16, 640 ids (~0.2 M parameters). */
export const TINY_SHAPE: Gemma2Shape = {
  hiddenSize: 64,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  intermediateSize: 128,
  slidingWindow: 16,
  maxPositionEmbeddings: 512,
  queryPreAttnScalar: 16,
  vocabSize: 640,
};

/** A mid-size shape (~4 M parameters): big enough for multi-shard and quantization-block tests. */
export const MID_SHAPE: Gemma2Shape = {
  hiddenSize: 256,
  numLayers: 4,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 64,
  intermediateSize: 1024,
  slidingWindow: 32,
  maxPositionEmbeddings: 2048,
  queryPreAttnScalar: 64,
  vocabSize: 1024,
};

/** The real Gemma-2 2B shape (Atlas-Chat-2B): 2.6 G parameters, ~5.2 GB in BF16. */
export const GEMMA2_2B_SHAPE: Gemma2Shape = {
  hiddenSize: 2304,
  numLayers: 26,
  numHeads: 8,
  numKvHeads: 4,
  headDim: 256,
  intermediateSize: 9216,
  slidingWindow: 4096,
  maxPositionEmbeddings: 8192,
  queryPreAttnScalar: 256,
  vocabSize: 256000,
};

/** The real Gemma-2 9B shape (Atlas-Chat-9B): 9.2 G parameters, ~18.5 GB in BF16. */
export const GEMMA2_9B_SHAPE: Gemma2Shape = {
  hiddenSize: 3584,
  numLayers: 42,
  numHeads: 16,
  numKvHeads: 8,
  headDim: 256,
  intermediateSize: 14336,
  slidingWindow: 4096,
  maxPositionEmbeddings: 8192,
  queryPreAttnScalar: 256,
  vocabSize: 256000,
};

/** Options of {@link writeGemma2Checkpoint}. */
export interface WriteCheckpointOptions {
  /** Default {@link TINY_SHAPE}. */
  shape?: Gemma2Shape;
  /** Stored dtype of every tensor. Default "BF16" (as Gemma-2 checkpoints). */
  dtype?: SafetensorsDtype;
  /** Seed of all weights; each tensor gets its own stream derived from seed and name. Default 0. */
  seed?: number;
  /** Safetensors files: 1 → `model.safetensors`, N → N shards + index. Default 2. */
  shards?: number;
  /** Write `tokenizer.model`. Default true. */
  tokenizerModel?: boolean;
  /** Write `tokenizer.json`. Default false. */
  tokenizerJson?: boolean;
  /** Padding pieces that are CONTROL `<unusedK>` (Gemma: 99); the rest are UNUSED. Default all. */
  controlPadding?: number;
  /** Return the weights. Default true when the model has at most 8 M parameters. */
  keepWeights?: boolean;
  /** Default {@link GEMMA2_CHAT_TEMPLATE}. */
  chatTemplate?: string;
  /** Standard deviation of matrix weights. Default 0.02. Norm weights use normal(0, 0.1). */
  weightStd?: number;
  /** `eos_token_id` in config/generation_config as `[eos, end_of_turn]` like gemma-2-*-it. Default true. */
  eosIncludesEndOfTurn?: boolean;
  /** Called as tensor data is written: bytes so far and in total. */
  onProgress?: (bytesWritten: number, totalBytes: number) => void;
}

/** What {@link writeGemma2Checkpoint} wrote. */
export interface WrittenCheckpoint {
  dir: string;
  /** File names relative to `dir`, sorted. */
  files: string[];
  /** The contents of config.json. */
  config: Record<string, unknown>;
  vocab: { pieces: string[]; scores: number[]; types: number[] };
  specialIds: Gemma2SpecialIds;
  /** The values the files hold (after rounding to the dtype), by Hugging Face name; if kept. */
  weights?: Map<string, { shape: number[]; data: Float32Array }>;
}

/** Standard deviation of the (1 + w) norm weights: far enough from 0 that forgetting the +1 shows. */
const NORM_STD = 0.1;
/** Elements generated per chunk (2 MiB of BF16): small enough to stream, big enough to be fast. */
const CHUNK_ELEMENTS = 1 << 20;
const KEEP_WEIGHTS_MAX_PARAMS = 8 * 1024 * 1024;

const TORCH_DTYPE: Record<SafetensorsDtype, string> = { BF16: "bfloat16", F16: "float16", F32: "float32" };

/** The Hugging Face tensors of a Gemma-2 shape, in model order, with their init std. */
export function gemma2TensorList(
  shape: Gemma2Shape,
  weightStd = 0.02,
): { name: string; shape: number[]; std: number }[] {
  const { hiddenSize: H, numHeads: nH, numKvHeads: nKV, headDim: hd, intermediateSize: FF } = shape;
  const list = [{ name: "model.embed_tokens.weight", shape: [shape.vocabSize, H], std: weightStd }];
  for (let l = 0; l < shape.numLayers; l++) {
    const p = `model.layers.${l}.`;
    list.push(
      { name: `${p}input_layernorm.weight`, shape: [H], std: NORM_STD },
      { name: `${p}self_attn.q_proj.weight`, shape: [nH * hd, H], std: weightStd },
      { name: `${p}self_attn.k_proj.weight`, shape: [nKV * hd, H], std: weightStd },
      { name: `${p}self_attn.v_proj.weight`, shape: [nKV * hd, H], std: weightStd },
      { name: `${p}self_attn.o_proj.weight`, shape: [H, nH * hd], std: weightStd },
      { name: `${p}post_attention_layernorm.weight`, shape: [H], std: NORM_STD },
      { name: `${p}pre_feedforward_layernorm.weight`, shape: [H], std: NORM_STD },
      { name: `${p}mlp.gate_proj.weight`, shape: [FF, H], std: weightStd },
      { name: `${p}mlp.up_proj.weight`, shape: [FF, H], std: weightStd },
      { name: `${p}mlp.down_proj.weight`, shape: [H, FF], std: weightStd },
      { name: `${p}post_feedforward_layernorm.weight`, shape: [H], std: NORM_STD },
    );
  }
  list.push({ name: "model.norm.weight", shape: [H], std: NORM_STD });
  return list;
}

/** Number of parameters of a shape (embeddings tied, counted once). */
export function gemma2ParameterCount(shape: Gemma2Shape): number {
  return gemma2TensorList(shape).reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
}

/** The config.json transformers writes for Gemma2ForCausalLM with this shape. */
export function gemma2ConfigJson(
  shape: Gemma2Shape,
  dtype: SafetensorsDtype,
  ids: Gemma2SpecialIds,
  eosIncludesEndOfTurn = true,
): Record<string, unknown> {
  return {
    architectures: ["Gemma2ForCausalLM"],
    attention_bias: false,
    attention_dropout: 0.0,
    attn_logit_softcapping: 50.0,
    bos_token_id: ids.bos,
    cache_implementation: "hybrid",
    eos_token_id: eosIncludesEndOfTurn ? [ids.eos, ids.endOfTurn] : ids.eos,
    final_logit_softcapping: 30.0,
    head_dim: shape.headDim,
    hidden_act: "gelu_pytorch_tanh",
    hidden_activation: "gelu_pytorch_tanh",
    hidden_size: shape.hiddenSize,
    initializer_range: 0.02,
    intermediate_size: shape.intermediateSize,
    max_position_embeddings: shape.maxPositionEmbeddings,
    model_type: "gemma2",
    num_attention_heads: shape.numHeads,
    num_hidden_layers: shape.numLayers,
    num_key_value_heads: shape.numKvHeads,
    pad_token_id: ids.pad,
    query_pre_attn_scalar: shape.queryPreAttnScalar,
    rms_norm_eps: 1e-6,
    rope_theta: 10000.0,
    sliding_window: shape.slidingWindow,
    tie_word_embeddings: true,
    torch_dtype: TORCH_DTYPE[dtype],
    transformers_version: "4.44.2",
    use_cache: true,
    vocab_size: shape.vocabSize,
  };
}

/**
 * Yields a tensor's bytes: seeded normal(0, std) values, `CHUNK_ELEMENTS` at a time, encoded to `dtype`.
 * When `keep` is given, the stored (rounded) values are decoded into it as they are produced.
 */
function* randomTensorBytes(
  count: number,
  std: number,
  dtype: SafetensorsDtype,
  rng: Rng,
  keep: Float32Array | undefined,
): Generator<Uint8Array> {
  const buffer = new Float32Array(Math.min(CHUNK_ELEMENTS, count));
  for (let offset = 0; offset < count; offset += CHUNK_ELEMENTS) {
    const values = buffer.subarray(0, Math.min(CHUNK_ELEMENTS, count - offset));
    rng.fillNormal(values, 0, std);
    let bytes: Uint8Array;
    if (dtype === "BF16") bytes = encodeBf16(values);
    else if (dtype === "F16") bytes = encodeF16(values);
    else bytes = new Uint8Array(values.slice().buffer);
    if (keep) {
      const target = keep.subarray(offset, offset + values.length);
      if (dtype === "BF16") decodeBf16(bytes, target);
      else if (dtype === "F16") decodeF16(bytes, target);
      else target.set(values);
    }
    yield bytes;
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, JSON.stringify(value, null, 2) + "\n");
}

/**
 * Writes a complete Gemma-2 checkpoint folder as `save_pretrained` would: config.json,
 * generation_config.json, tokenizer.model, tokenizer_config.json, special_tokens_map.json, optionally
 * tokenizer.json, and the safetensors (sharded). Deterministic for a given seed. Prints nothing.
 *
 * @example
 * const cp = await writeGemma2Checkpoint(join(process.env["ATLAS_TEST_TMP"]!, "tiny"), { dtype: "F32" });
 * cp.specialIds.endOfTurn; // read ids from here
 */
export async function writeGemma2Checkpoint(
  dir: string,
  options: WriteCheckpointOptions = {},
): Promise<WrittenCheckpoint> {
  const shape = options.shape ?? TINY_SHAPE;
  const dtype = options.dtype ?? "BF16";
  const seed = options.seed ?? 0;
  const keepWeights = options.keepWeights ?? gemma2ParameterCount(shape) <= KEEP_WEIGHTS_MAX_PARAMS;
  if (shape.numHeads % shape.numKvHeads !== 0)
    throw new RangeError("numHeads must be a multiple of numKvHeads");
  if (shape.headDim % 2 !== 0) throw new RangeError("headDim must be even (RoPE rotates pairs)");

  const vocab = gemma2Vocab(shape.vocabSize, { controlPadding: options.controlPadding });
  const ids = vocab.specialIds;
  const config = gemma2ConfigJson(shape, dtype, ids, options.eosIncludesEndOfTurn ?? true);
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const json = async (name: string, value: unknown): Promise<void> => {
    await writeJson(join(dir, name), value);
    files.push(name);
  };

  await json("config.json", config);
  await json("generation_config.json", {
    bos_token_id: ids.bos,
    cache_implementation: "hybrid",
    eos_token_id: config["eos_token_id"],
    pad_token_id: ids.pad,
    transformers_version: config["transformers_version"],
  });
  await json(
    "tokenizer_config.json",
    tokenizerConfigJson(vocab, options.chatTemplate ?? GEMMA2_CHAT_TEMPLATE, shape.maxPositionEmbeddings),
  );
  await json("special_tokens_map.json", specialTokensMapJson());
  if (options.tokenizerJson === true) await json("tokenizer.json", tokenizerJson(vocab));
  if (options.tokenizerModel ?? true) {
    await writeSentencePieceModel(join(dir, "tokenizer.model"), vocab);
    files.push("tokenizer.model");
  }

  const weights = keepWeights ? new Map<string, { shape: number[]; data: Float32Array }>() : undefined;
  const tensors: TensorSource[] = gemma2TensorList(shape, options.weightStd ?? 0.02).map((t) => {
    const count = t.shape.reduce((a, b) => a * b, 1);
    return {
      name: t.name,
      dtype,
      shape: t.shape,
      data: () => {
        // Created lazily, when the tensor is written: keeping all of a 2B model at once would not fit.
        const keep = weights ? new Float32Array(count) : undefined;
        if (keep) weights?.set(t.name, { shape: t.shape, data: keep });
        return randomTensorBytes(count, t.std, dtype, new Rng(hashString(t.name, seed)), keep);
      },
    };
  });
  const written = await writeShardedCheckpoint(dir, tensors, {
    shards: options.shards ?? 2,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  files.push(...written.files);

  return {
    dir,
    files: files.sort(),
    config,
    vocab: { pieces: vocab.pieces, scores: vocab.scores, types: vocab.types },
    specialIds: ids,
    ...(weights ? { weights } : {}),
  };
}
