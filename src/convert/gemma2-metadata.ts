/**
 * The GGUF metadata of a Gemma-2 model, in the order llama.cpp's converter writes it (general.*, the
 * gemma2.* hyper-parameters of `Gemma2Model.set_gguf_parameters`, then the tokenizer keys).
 */
import type { Gemma2Hparams } from "./gemma2-config.js";
import { GGUF_TYPE, kv, type GgufKv } from "./gguf-types.js";
import { SPECIAL_ID_KEYS } from "./special-tokens.js";
import type { GgufVocab } from "./vocab.js";

/** Sampling defaults from generation_config.json (`general.sampling.*`), when present. */
export interface SamplingDefaults {
  topK?: number;
  topP?: number;
  minP?: number;
  temperature?: number;
  repeatPenalty?: number;
}

/** Inputs of {@link gemma2Metadata}. */
export interface Gemma2MetadataOptions {
  hparams: Gemma2Hparams;
  vocab: GgufVocab;
  /** `general.file_type`. */
  fileType: number;
  /** `general.name`. */
  name: string;
  /** Parameter count, for `general.size_label`. */
  parameters: number;
  sampling: SamplingDefaults;
}

/** gguf-py's `size_label`: "2.6B", "27B", "125M" (at least two significant digits). */
export function sizeLabel(parameters: number): string {
  const [scaled, suffix] =
    parameters > 1e12
      ? [parameters * 1e-12, "T"]
      : parameters > 1e9
        ? [parameters * 1e-9, "B"]
        : parameters > 1e6
          ? [parameters * 1e-6, "M"]
          : [parameters * 1e-3, "K"];
  const digits = String(roundHalfEven(scaled)).replace(/^0+/, "").length;
  return `${scaled.toFixed(Math.max(2 - digits, 0))}${suffix}`;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Reads `general.sampling.*` defaults from a parsed generation_config.json, skipping ill-typed values. */
export function samplingFromGenerationConfig(config: Record<string, unknown> | undefined): SamplingDefaults {
  const num = (v: unknown): number | undefined =>
    typeof v === "number" && Number.isFinite(v) ? v : undefined;
  const out: SamplingDefaults = {};
  const topK = num(config?.["top_k"]);
  if (topK !== undefined && Number.isInteger(topK)) out.topK = topK;
  const topP = num(config?.["top_p"]);
  if (topP !== undefined) out.topP = topP;
  const minP = num(config?.["min_p"]);
  if (minP !== undefined) out.minP = minP;
  const temperature = num(config?.["temperature"]);
  if (temperature !== undefined) out.temperature = temperature;
  const repeat = num(config?.["penalty_repeat"] ?? config?.["repetition_penalty"]);
  if (repeat !== undefined) out.repeatPenalty = repeat;
  return out;
}

/** Builds the metadata list. */
export function gemma2Metadata(options: Gemma2MetadataOptions): GgufKv[] {
  const { hparams: h, vocab, sampling } = options;
  const a = "gemma2";
  const kvs: GgufKv[] = [kv.string("general.architecture", a), kv.string("general.type", "model")];
  if (sampling.topK !== undefined) kvs.push(kv.i32("general.sampling.top_k", sampling.topK));
  if (sampling.topP !== undefined) kvs.push(kv.f32("general.sampling.top_p", sampling.topP));
  if (sampling.minP !== undefined) kvs.push(kv.f32("general.sampling.min_p", sampling.minP));
  if (sampling.temperature !== undefined) kvs.push(kv.f32("general.sampling.temp", sampling.temperature));
  if (sampling.repeatPenalty !== undefined)
    kvs.push(kv.f32("general.sampling.penalty_repeat", sampling.repeatPenalty));
  kvs.push(
    kv.string("general.name", options.name),
    kv.string("general.size_label", sizeLabel(options.parameters)),
    kv.u32(`${a}.context_length`, h.contextLength),
    kv.u32(`${a}.embedding_length`, h.hiddenSize),
    kv.u32(`${a}.block_count`, h.numLayers),
    kv.u32(`${a}.feed_forward_length`, h.intermediateSize),
    kv.u32(`${a}.attention.head_count`, h.numHeads),
    kv.u32(`${a}.attention.head_count_kv`, h.numKvHeads),
    kv.f32(`${a}.attention.layer_norm_rms_epsilon`, h.rmsNormEps),
    kv.u32(`${a}.attention.key_length`, h.headDim),
    kv.u32(`${a}.attention.value_length`, h.headDim),
    kv.u32("general.file_type", options.fileType),
    kv.f32(`${a}.attn_logit_softcapping`, h.attnLogitSoftcapping),
    kv.f32(`${a}.final_logit_softcapping`, h.finalLogitSoftcapping),
    kv.u32(`${a}.attention.sliding_window`, h.slidingWindow),
  );
  // llama.cpp's converter omits rope.freq_base (the loader defaults to 10000); write it only when it differs.
  if (h.ropeTheta !== 10000) kvs.push(kv.f32(`${a}.rope.freq_base`, h.ropeTheta));
  kvs.push(kv.u32("general.quantization_version", 2));
  kvs.push(...tokenizerMetadata(vocab));
  return kvs;
}

/** The `tokenizer.*` keys (`_set_vocab_sentencepiece` + `SpecialVocab.add_to_gguf` + add_space_prefix). */
function tokenizerMetadata(vocab: GgufVocab): GgufKv[] {
  const { special } = vocab;
  const kvs: GgufKv[] = [
    kv.string("tokenizer.ggml.model", "llama"),
    kv.string("tokenizer.ggml.pre", "default"),
    kv.array("tokenizer.ggml.tokens", GGUF_TYPE.STRING, vocab.tokens),
    kv.array("tokenizer.ggml.scores", GGUF_TYPE.FLOAT32, vocab.scores),
    kv.array("tokenizer.ggml.token_type", GGUF_TYPE.INT32, vocab.types),
  ];
  for (const { role, id } of special.ids) kvs.push(kv.u32(SPECIAL_ID_KEYS[role], id));
  if (special.eot !== undefined) kvs.push(kv.u32("tokenizer.ggml.eot_token_id", special.eot));
  for (const { role, value } of special.add) kvs.push(kv.bool(`tokenizer.ggml.add_${role}_token`, value));
  for (const { name, template } of special.namedTemplates)
    kvs.push(kv.string(`tokenizer.chat_template.${name}`, template));
  if (special.namedTemplates.length > 0)
    kvs.push(
      kv.array(
        "tokenizer.chat_templates",
        GGUF_TYPE.STRING,
        special.namedTemplates.map((t) => t.name),
      ),
    );
  if (special.chatTemplate !== undefined)
    kvs.push(kv.string("tokenizer.chat_template", special.chatTemplate));
  kvs.push(kv.bool("tokenizer.ggml.add_space_prefix", false));
  return kvs;
}
