/**
 * Reads a Hugging Face `config.json` as a Gemma-2 configuration: checks the architecture, pulls out the
 * hyper-parameters llama.cpp needs and checks that they make sense. Missing optional keys get the
 * transformers `Gemma2Config` defaults (with a warning); missing shape keys are errors.
 */
import { AtlasError } from "../core/index.js";
import { isRecord } from "./file-io.js";
import {
  MAX_CONTEXT_LENGTH,
  MAX_FEED_FORWARD,
  MAX_HEAD_DIM,
  MAX_HEADS,
  MAX_HIDDEN_SIZE,
  MAX_LAYERS,
  MAX_VOCAB_SIZE,
} from "./limits.js";

/** The Gemma-2 hyper-parameters a GGUF needs, named after the config.json keys they come from. */
export interface Gemma2Hparams {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  intermediateSize: number;
  contextLength: number;
  rmsNormEps: number;
  ropeTheta: number;
  queryPreAttnScalar: number;
  attnLogitSoftcapping: number;
  finalLogitSoftcapping: number;
  slidingWindow: number;
  /** `torch_dtype` / `dtype` as written in the config (informative only: each tensor has its own dtype). */
  torchDtype: string | undefined;
}

/** What `parseGemma2Config` returns: the hyper-parameters plus notes for the user. */
export interface Gemma2Config {
  hparams: Gemma2Hparams;
  warnings: string[];
  /** The raw JSON, for special token ids. */
  raw: Record<string, unknown>;
}

const SUPPORTED =
  'atlas converts Gemma-2 checkpoints (architectures: ["Gemma2ForCausalLM"], model_type "gemma2") such as Atlas-Chat';

function unsupported(where: string, message: string): AtlasError {
  return new AtlasError("UNSUPPORTED", message, { where, hint: SUPPORTED });
}

/** Checks that the config describes a Gemma-2 causal LM. */
function checkArchitecture(raw: Record<string, unknown>, where: string): void {
  const architectures = raw["architectures"];
  const modelType = raw["model_type"];
  if (Array.isArray(architectures) && architectures.length > 0) {
    const names = architectures.filter((a): a is string => typeof a === "string");
    if (!names.includes("Gemma2ForCausalLM"))
      throw unsupported(where, `architecture ${names.join(", ") || "(none)"} is not supported`);
  } else if (modelType !== "gemma2") {
    throw unsupported(
      where,
      `model_type ${typeof modelType === "string" ? `'${modelType}'` : "(missing)"} is not supported`,
    );
  }
  if (modelType !== undefined && modelType !== "gemma2")
    throw unsupported(where, `model_type ${JSON.stringify(modelType)} is not supported`);
}

/**
 * Validates `raw` (the parsed config.json at `where`) as Gemma-2.
 * @throws AtlasError UNSUPPORTED for another architecture or a feature llama.cpp's gemma2 cannot run,
 *   INVALID_MODEL for missing or nonsensical hyper-parameters
 */
export function parseGemma2Config(raw: unknown, where: string): Gemma2Config {
  if (!isRecord(raw)) throw new AtlasError("INVALID_MODEL", "config.json must hold a JSON object", { where });
  checkArchitecture(raw, where);
  const warnings: string[] = [];

  const int = (key: string, max: number, fallback?: number): number => {
    const value = raw[key];
    if (value === undefined || value === null) {
      if (fallback === undefined)
        throw new AtlasError("INVALID_MODEL", `config.json lacks the required key '${key}'`, {
          where,
          hint: "re-download the model or fix its config.json",
        });
      warnings.push(`config.json has no '${key}': using the Gemma-2 default ${fallback}`);
      return fallback;
    }
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0 || value > max)
      throw new AtlasError(
        "INVALID_MODEL",
        `config.json '${key}' must be an integer in 1..${max}, got ${JSON.stringify(value)}`,
        {
          where,
        },
      );
    return value;
  };
  const real = (key: string, fallback: number, value: unknown = raw[key]): number => {
    if (value === undefined) {
      warnings.push(`config.json has no '${key}': using the Gemma-2 default ${fallback}`);
      return fallback;
    }
    if (value === null) throw unsupported(where, `'${key}' is null; llama.cpp's gemma2 always applies it`);
    return positive(value, key, where);
  };

  const hiddenSize = int("hidden_size", MAX_HIDDEN_SIZE);
  const numLayers = int("num_hidden_layers", MAX_LAYERS);
  const numHeads = int("num_attention_heads", MAX_HEADS);
  const numKvHeads = int("num_key_value_heads", MAX_HEADS, numHeads);
  const headDim = int("head_dim", MAX_HEAD_DIM);
  const intermediateSize = int("intermediate_size", MAX_FEED_FORWARD);
  const vocabSize = int("vocab_size", MAX_VOCAB_SIZE);
  const contextLength = int("max_position_embeddings", MAX_CONTEXT_LENGTH, 8192);
  const slidingWindow = int("sliding_window", MAX_CONTEXT_LENGTH, 4096);
  if (numHeads % numKvHeads !== 0)
    throw new AtlasError(
      "INVALID_MODEL",
      `num_attention_heads (${numHeads}) must be a multiple of num_key_value_heads (${numKvHeads})`,
      { where },
    );
  const rmsNormEps = real("rms_norm_eps", 1e-6);
  if (rmsNormEps >= 1)
    throw new AtlasError("INVALID_MODEL", `config.json 'rms_norm_eps' must be below 1, got ${rmsNormEps}`, {
      where,
    });
  const queryPreAttnScalar = real("query_pre_attn_scalar", 256);
  const attnLogitSoftcapping = real("attn_logit_softcapping", 50);
  const finalLogitSoftcapping = real("final_logit_softcapping", 30);
  const ropeTheta = readRopeTheta(raw, where, warnings);

  const activation = raw["hidden_activation"] ?? raw["hidden_act"];
  if (activation !== undefined && activation !== "gelu_pytorch_tanh" && activation !== "gelu_new")
    warnings.push(
      `config.json activation is ${JSON.stringify(activation)} but llama.cpp's gemma2 always uses GELU (tanh approximation)`,
    );
  const layerTypes = raw["layer_types"];
  if (Array.isArray(layerTypes)) {
    const standard = layerTypes.every((t, i) => t === (i % 2 === 0 ? "sliding_attention" : "full_attention"));
    if (!standard)
      warnings.push(
        "config.json layer_types differ from Gemma-2's alternating sliding/full pattern, which llama.cpp always uses",
      );
  }
  const dtype = raw["torch_dtype"] ?? raw["dtype"];
  return {
    hparams: {
      vocabSize,
      hiddenSize,
      numLayers,
      numHeads,
      numKvHeads,
      headDim,
      intermediateSize,
      contextLength,
      rmsNormEps,
      ropeTheta,
      queryPreAttnScalar,
      attnLogitSoftcapping,
      finalLogitSoftcapping,
      slidingWindow,
      torchDtype: typeof dtype === "string" ? dtype : undefined,
    },
    warnings,
    raw,
  };
}

/** `rope_theta`, or transformers v5's `rope_parameters.rope_theta`; rope scaling is not supported. */
function readRopeTheta(raw: Record<string, unknown>, where: string, warnings: string[]): number {
  const scaling = raw["rope_scaling"];
  if (scaling !== undefined && scaling !== null)
    throw unsupported(where, "rope_scaling is set; llama.cpp's gemma2 supports only the default RoPE");
  const params = raw["rope_parameters"];
  if (isRecord(params)) {
    const type = params["rope_type"];
    if (type !== undefined && type !== "default")
      throw unsupported(
        where,
        `rope_parameters.rope_type ${JSON.stringify(type)} is not supported (only "default")`,
      );
    if (params["rope_theta"] !== undefined)
      return positive(params["rope_theta"], "rope_parameters.rope_theta", where);
  }
  if (raw["rope_theta"] !== undefined) return positive(raw["rope_theta"], "rope_theta", where);
  warnings.push("config.json has no 'rope_theta': using the Gemma-2 default 10000");
  return 10000;
}

function positive(value: unknown, key: string, where: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
    throw new AtlasError(
      "INVALID_MODEL",
      `config.json '${key}' must be a positive number, got ${JSON.stringify(value)}`,
      {
        where,
      },
    );
  return value;
}

/**
 * The denominator llama.cpp puts under the attention scale: it ignores `query_pre_attn_scalar` and uses
 * `1/sqrt(head_dim)`, or `1/sqrt(hidden/heads)` (integer division) when the model has 46 layers (27B).
 */
export function llamaCppAttentionDenominator(h: Gemma2Hparams): number {
  return h.numLayers === 46 ? Math.floor(h.hiddenSize / h.numHeads) : h.headDim;
}
