import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  forward,
  referenceConfigFromJson,
  type Gemma2ReferenceConfig,
  type Gemma2Weights,
} from "./reference-gemma2.js";
import { TINY_SHAPE, writeGemma2Checkpoint, type Gemma2Shape } from "./tiny-gemma2.js";

async function tinyModel(
  shape: Gemma2Shape,
): Promise<{ config: Gemma2ReferenceConfig; weights: Gemma2Weights }> {
  const dir = await mkdtemp(join(process.env["ATLAS_TEST_TMP"] ?? tmpdir(), "ref-"));
  const cp = await writeGemma2Checkpoint(dir, { shape, dtype: "F32", shards: 1 });
  return { config: referenceConfigFromJson(cp.config), weights: cp.weights! };
}

const tokens = Array.from({ length: 24 }, (_, i) => 263 + ((i * 37) % 300));

describe("reference Gemma-2 forward", () => {
  it("is deterministic, gives vocab_size logits per position, all within the ±30 final soft-cap", async () => {
    const { config, weights } = await tinyModel(TINY_SHAPE);
    const a = forward(config, weights, tokens);
    const b = forward(config, weights, tokens);
    expect(a).toEqual(b);
    expect(a).toHaveLength(tokens.length);
    for (const row of a) expect(row).toHaveLength(TINY_SHAPE.vocabSize);
    const all = a.flatMap((row) => [...row]);
    expect(all.every((v) => Number.isFinite(v) && Math.abs(v) <= 30)).toBe(true);
    expect(all.some((v) => v !== 0)).toBe(true);
    // Causal: a later token does not change earlier positions.
    const changed = forward(config, weights, [...tokens.slice(0, -1), 300]);
    expect(changed.slice(0, -1)).toEqual(a.slice(0, -1));
    expect(changed.at(-1)).not.toEqual(a.at(-1));
  });

  it("on a sliding-window layer, position p ignores token p − window", async () => {
    const window = 4;
    const shape = { ...TINY_SHAPE, numLayers: 1, slidingWindow: window };
    const { config, weights } = await tinyModel(shape);
    const p = 12;
    const base = forward(config, weights, tokens.slice(0, p + 1));
    const replace = (at: number): number[] => tokens.slice(0, p + 1).map((t, i) => (i === at ? 400 : t));
    // Layer 0 is a sliding-window layer: only keys p−window+1 … p are visible.
    expect(forward(config, weights, replace(p - window))[p]).toEqual(base[p]);
    expect(forward(config, weights, replace(p - window + 1))[p]).not.toEqual(base[p]);
    // With a global second layer, information from p − window reaches p again (through position p−window+1…).
    const two = await tinyModel({ ...shape, numLayers: 2 });
    const base2 = forward(two.config, two.weights, tokens.slice(0, p + 1));
    expect(forward(two.config, two.weights, replace(p - window))[p]).not.toEqual(base2[p]);
  });

  it("with zeroed attention and MLP outputs reduces to softcap(norm(embed·√H)·embedᵀ) with (1+w) norms", async () => {
    const { config, weights } = await tinyModel({ ...TINY_SHAPE, numLayers: 1 });
    const zeroed = new Map(weights);
    for (const name of ["model.layers.0.self_attn.o_proj.weight", "model.layers.0.mlp.down_proj.weight"]) {
      const t = weights.get(name)!;
      zeroed.set(name, { shape: t.shape, data: new Float32Array(t.data.length) });
    }
    const H = config.hidden_size;
    const embed = weights.get("model.embed_tokens.weight")!.data;
    const norm = weights.get("model.norm.weight")!.data;
    const id = 300;
    const h = Array.from(embed.subarray(id * H, (id + 1) * H), (v) => v * Math.sqrt(H));
    const rms = Math.sqrt(h.reduce((s, v) => s + v * v, 0) / H + config.rms_norm_eps);
    const x = h.map((v, i) => (v / rms) * (1 + norm[i]!));
    const expected = Array.from({ length: config.vocab_size }, (_, r) => {
      let dot = 0;
      for (let c = 0; c < H; c++) dot += embed[r * H + c]! * x[c]!;
      return Math.tanh(dot / 30) * 30;
    });
    const [logits] = forward(config, zeroed, [id]);
    expect(logits).toBeDefined();
    logits!.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
  });

  it("checks tensor names and shapes", async () => {
    const { config, weights } = await tinyModel(TINY_SHAPE);
    const missing = new Map(weights);
    missing.delete("model.norm.weight");
    expect(() => forward(config, missing, [1])).toThrow(/missing tensor model.norm.weight/);
    expect(() => forward({ ...config, hidden_size: 32 }, weights, [1])).toThrow(/shape/);
    expect(() => forward(config, weights, [config.vocab_size])).toThrow(/out of range/);
  });
});
