/**
 * Numerics: our converted GGUF, run by llama.cpp, must give the logits of a plain reference Gemma-2 forward
 * pass at every position of a prompt longer than the sliding window.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaEngine } from "../../src/engine/llama/llama-engine.js";
import type { EngineModel } from "../../src/engine/types.js";
import { EMBED_CHUNK } from "../../src/engine/llama/embedder.js";
import {
  finalHidden,
  forward,
  referenceConfigFromJson,
  type Gemma2Weights,
} from "../helpers/reference-gemma2.js";
import { TINY_SHAPE } from "../helpers/tiny-gemma2.js";
import { tinyModel, type TinyModel } from "../helpers/tiny-gguf.js";

const PROMPT =
  "<bos><start_of_turn>user\nشنو كيتسمى المنتخب المغربي؟ salam, wach nta mzyan? Le match était très beau, 3 buts à 0!<end_of_turn>\n<start_of_turn>model\n";

function compare(
  reference: Float32Array[],
  actual: Float32Array[],
): { maxDiff: number; argmaxMismatches: number } {
  let maxDiff = 0;
  let argmaxMismatches = 0;
  reference.forEach((ref, p) => {
    const got = actual[p]!;
    let bestRef = 0;
    let bestGot = 0;
    for (let i = 0; i < ref.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(ref[i]! - got[i]!));
      if (ref[i]! > ref[bestRef]!) bestRef = i;
      if (got[i]! > got[bestGot]!) bestGot = i;
    }
    if (bestRef !== bestGot) argmaxMismatches++;
  });
  return { maxDiff, argmaxMismatches };
}

async function loadAndRun(
  path: string,
  prompt: string,
): Promise<{ model: EngineModel; tokens: number[]; logits: Float32Array[] }> {
  const model = await new LlamaEngine().loadModel(path, {
    gpu: "cpu",
    contextSize: 256,
    sequences: 1,
    kvCacheType: "f32",
  });
  const tokens = model.tokenize(prompt, { parseSpecial: true });
  return { model, tokens, logits: await model.logits(tokens) };
}

describe("llama.cpp logits on converted models match the reference forward pass", () => {
  let tiny: TinyModel;
  let reference: Float32Array[];
  let tokens: number[];
  const models: EngineModel[] = [];

  beforeAll(async () => {
    tiny = await tinyModel();
    const f32 = await loadAndRun(await tiny.gguf("f32"), PROMPT);
    models.push(f32.model);
    tokens = f32.tokens;
    const config = referenceConfigFromJson(tiny.checkpoint.config);
    reference = forward(config, tiny.checkpoint.weights as Gemma2Weights, tokens);
    f32Logits = f32.logits;
  });
  let f32Logits: Float32Array[];

  afterAll(async () => {
    for (const m of models) await m.dispose();
  });

  it("uses a prompt longer than the sliding window", () => {
    expect(tokens.length).toBeGreaterThan(2 * TINY_SHAPE.slidingWindow);
  });

  it("F32: every position within 2e-2, same argmax", () => {
    const { maxDiff, argmaxMismatches } = compare(reference, f32Logits);
    expect(maxDiff).toBeLessThanOrEqual(2e-2);
    expect(argmaxMismatches).toBe(0);
  });

  it("F32: an embedding is the mean of the reference's final hidden states, across several chunks", async () => {
    expect(tokens.length).toBeGreaterThan(EMBED_CHUNK);
    const config = referenceConfigFromJson(tiny.checkpoint.config);
    const hidden = finalHidden(config, tiny.checkpoint.weights as Gemma2Weights, tokens);
    const mean = hidden[0]!.map((_, d) => hidden.reduce((sum, h) => sum + h[d]!, 0) / hidden.length);
    const embedding = await models[0]!.embed(tokens);
    expect(embedding.length).toBe(config.hidden_size);
    expect(models[0]!.info.embeddingSize).toBe(config.hidden_size);
    let maxDiff = 0;
    mean.forEach((v, d) => (maxDiff = Math.max(maxDiff, Math.abs(v - embedding[d]!))));
    expect(maxDiff).toBeLessThanOrEqual(1e-3);
    // Not a constant: the mean differs from the first position's state.
    expect(Math.abs(mean[0]! - hidden[0]![0]!)).toBeGreaterThan(1e-3);
  });

  it("BF16 (lossless for a BF16 checkpoint) matches like F32", async () => {
    const run = await loadAndRun(await tiny.gguf("bf16"), PROMPT);
    models.push(run.model);
    expect(compare(reference, run.logits).maxDiff).toBeLessThanOrEqual(2e-2);
  });

  it("Q8_0 stays within a looser bound", async () => {
    const run = await loadAndRun(await tiny.gguf("q8_0"), PROMPT);
    models.push(run.model);
    const { maxDiff, argmaxMismatches } = compare(reference, run.logits);
    // Measured on this model: 0.021 (F32: 2.9e-4). Random tiny models have flat logits, so a few argmax flips are expected.
    expect(maxDiff).toBeLessThanOrEqual(0.05);
    expect(argmaxMismatches).toBeLessThanOrEqual(Math.ceil(tokens.length * 0.1));
  });

  it("applies query_pre_attn_scalar when it differs from head_dim (q_proj rescaled at conversion)", async () => {
    const odd = await tinyModel({ shape: { ...TINY_SHAPE, queryPreAttnScalar: 40 }, seed: 3 });
    const run = await loadAndRun(await odd.gguf("f32"), PROMPT);
    models.push(run.model);
    const config = referenceConfigFromJson(odd.checkpoint.config);
    expect(config.query_pre_attn_scalar).toBe(40);
    const ref = forward(config, odd.checkpoint.weights as Gemma2Weights, run.tokens);
    const { maxDiff, argmaxMismatches } = compare(ref, run.logits);
    expect(maxDiff).toBeLessThanOrEqual(2e-2);
    expect(argmaxMismatches).toBe(0);
  });
});
