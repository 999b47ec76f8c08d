import { describe, expect, it } from "vitest";
import { isAtlasError } from "../core/index.js";
import { attentionScaleFactor } from "./convert-model.js";
import { llamaCppAttentionDenominator, parseGemma2Config } from "./gemma2-config.js";

/** A Gemma-2 2B config.json, as published. */
const GEMMA2_2B: Record<string, unknown> = {
  architectures: ["Gemma2ForCausalLM"],
  model_type: "gemma2",
  hidden_size: 2304,
  num_hidden_layers: 26,
  num_attention_heads: 8,
  num_key_value_heads: 4,
  head_dim: 256,
  intermediate_size: 9216,
  vocab_size: 256000,
  max_position_embeddings: 8192,
  sliding_window: 4096,
  rms_norm_eps: 1e-6,
  rope_theta: 10000.0,
  query_pre_attn_scalar: 256,
  attn_logit_softcapping: 50.0,
  final_logit_softcapping: 30.0,
  hidden_activation: "gelu_pytorch_tanh",
  torch_dtype: "bfloat16",
};

function failure(raw: unknown): { code: string; message: string } {
  try {
    parseGemma2Config(raw, "/m/config.json");
  } catch (error) {
    if (isAtlasError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected an error");
}

describe("parseGemma2Config", () => {
  it("reads a Gemma-2 2B config without warnings", () => {
    const { hparams, warnings } = parseGemma2Config(GEMMA2_2B, "x");
    expect(warnings).toEqual([]);
    expect(hparams).toMatchObject({
      hiddenSize: 2304,
      numLayers: 26,
      numHeads: 8,
      numKvHeads: 4,
      headDim: 256,
      vocabSize: 256000,
      contextLength: 8192,
      slidingWindow: 4096,
      queryPreAttnScalar: 256,
      ropeTheta: 10000,
      torchDtype: "bfloat16",
    });
  });

  it("rejects another architecture as UNSUPPORTED, naming it and what is supported", () => {
    const error = failure({ ...GEMMA2_2B, architectures: ["LlamaForCausalLM"], model_type: "llama" });
    expect(error.code).toBe("UNSUPPORTED");
    expect(error.message).toMatch(
      /\/m\/config.json: architecture LlamaForCausalLM is not supported — atlas converts Gemma-2/,
    );
    expect(failure({ model_type: "gemma3" }).message).toMatch(/model_type 'gemma3' is not supported/);
    expect(failure({ ...GEMMA2_2B, model_type: "gemma3" }).code).toBe("UNSUPPORTED");
  });

  it("accepts model_type gemma2 without architectures", () => {
    const { architectures: _, ...raw } = GEMMA2_2B;
    expect(parseGemma2Config(raw, "x").hparams.hiddenSize).toBe(2304);
  });

  it("requires the shape keys and checks their values", () => {
    const { head_dim: _, ...noHeadDim } = GEMMA2_2B;
    const missing = failure(noHeadDim);
    expect(missing.code).toBe("INVALID_MODEL");
    expect(missing.message).toMatch(/lacks the required key 'head_dim'/);
    expect(failure({ ...GEMMA2_2B, hidden_size: -1 }).message).toMatch(
      /'hidden_size' must be an integer in 1\.\./,
    );
    expect(failure({ ...GEMMA2_2B, num_key_value_heads: 3 }).message).toMatch(
      /multiple of num_key_value_heads/,
    );
    expect(failure({ ...GEMMA2_2B, rms_norm_eps: 2 }).message).toMatch(/below 1/);
    expect(failure([1, 2]).message).toMatch(/must hold a JSON object/);
  });

  it("fills optional keys with Gemma-2 defaults and says so", () => {
    const { sliding_window: _s, query_pre_attn_scalar: _q, rope_theta: _r, ...raw } = GEMMA2_2B;
    const { hparams, warnings } = parseGemma2Config(raw, "x");
    expect(hparams).toMatchObject({ slidingWindow: 4096, queryPreAttnScalar: 256, ropeTheta: 10000 });
    expect(warnings).toHaveLength(3);
  });

  it("accepts transformers v5 rope_parameters and rejects rope scaling", () => {
    const { rope_theta: _, ...raw } = GEMMA2_2B;
    const v5 = { ...raw, rope_parameters: { rope_type: "default", rope_theta: 20000 } };
    expect(parseGemma2Config(v5, "x").hparams.ropeTheta).toBe(20000);
    expect(failure({ ...raw, rope_parameters: { rope_type: "yarn", factor: 4 } }).code).toBe("UNSUPPORTED");
    expect(failure({ ...GEMMA2_2B, rope_scaling: { type: "linear", factor: 2 } }).code).toBe("UNSUPPORTED");
  });

  it("refuses a disabled (null) soft-cap, which llama.cpp's gemma2 cannot express", () => {
    expect(failure({ ...GEMMA2_2B, attn_logit_softcapping: null }).message).toMatch(
      /'attn_logit_softcapping' is null/,
    );
  });

  it("warns about non-standard layer_types and activations", () => {
    const { warnings } = parseGemma2Config(
      { ...GEMMA2_2B, hidden_activation: "relu", layer_types: ["full_attention", "sliding_attention"] },
      "x",
    );
    expect(warnings.join("\n")).toMatch(/activation is "relu"/);
    expect(warnings.join("\n")).toMatch(/layer_types/);
  });
});

describe("attention scale", () => {
  const hparams = (raw: Record<string, unknown>) => parseGemma2Config({ ...GEMMA2_2B, ...raw }, "x").hparams;

  it("needs no fix for the real 2B, 9B and 27B configs", () => {
    expect(attentionScaleFactor(hparams({}))).toBeUndefined();
    const nine = hparams({
      hidden_size: 3584,
      num_hidden_layers: 42,
      num_attention_heads: 16,
      num_key_value_heads: 8,
    });
    expect(attentionScaleFactor(nine)).toBeUndefined();
    const big = hparams({
      hidden_size: 4608,
      num_hidden_layers: 46,
      num_attention_heads: 32,
      num_key_value_heads: 16,
      head_dim: 128,
      query_pre_attn_scalar: 144,
    });
    expect(llamaCppAttentionDenominator(big)).toBe(144);
    expect(attentionScaleFactor(big)).toBeUndefined();
  });

  it("scales q so that (f·q)·k/sqrt(d_llama) = q·k/sqrt(query_pre_attn_scalar)", () => {
    const h = hparams({ query_pre_attn_scalar: 224 });
    const f = attentionScaleFactor(h)!;
    expect(f / Math.sqrt(256)).toBeCloseTo(1 / Math.sqrt(224), 12);
    // A 27B-like model with another layer count: llama.cpp uses head_dim (128), not 144.
    const odd = hparams({ num_hidden_layers: 10, head_dim: 128, query_pre_attn_scalar: 144 });
    expect(attentionScaleFactor(odd)).toBeCloseTo(Math.sqrt(128 / 144), 12);
  });
});
