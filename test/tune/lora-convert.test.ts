/**
 * `atlas lora convert`: a PEFT adapter made here (PEFT's tensor names and layout) becomes a GGUF LoRA that
 * llama.cpp loads, and its effect on the logits is the reference's: base + scale·(alpha/r)·B·A run through
 * the plain TypeScript Gemma-2 forward pass.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaEngine } from "../../src/engine/index.js";
import type { EngineModel } from "../../src/engine/types.js";
import { GGML_TYPE, ggufNumber, ggufString, readGguf } from "../../src/convert/index.js";
import { convertPeftAdapter } from "../../src/tune/index.js";
import { forward, referenceConfigFromJson, type Gemma2Weights } from "../helpers/reference-gemma2.js";
import { TINY_SHAPE } from "../helpers/tiny-gemma2.js";
import { tinyModel, type TinyModel } from "../helpers/tiny-gguf.js";
import { mergedWeights, writeTinyPeft } from "../helpers/tiny-peft.js";

const PROMPT =
  "<bos><start_of_turn>user\nsalam, wach nta mzyan? شنو كيتسمى المنتخب؟<end_of_turn>\n<start_of_turn>model\n";
const tmp = (name: string): string =>
  join(process.env["ATLAS_TEST_TMP"]!, `lora-convert-${process.pid}-${name}`);

let tiny: TinyModel;
let baseGguf: string;
let tokens: number[];
let baseModel: EngineModel;

async function logits(lora?: { path: string; scale?: number }): Promise<Float32Array[]> {
  const model = await new LlamaEngine().loadModel(baseGguf, {
    gpu: "cpu",
    contextSize: 128,
    sequences: 1,
    kvCacheType: "f32",
    // Exactness against the float64 reference needs the plain attention path: the CPU flash-attention
    // kernel accumulates differently and moves these logits by up to ~2e-3.
    flashAttention: "off",
    ...(lora === undefined ? {} : { lora: [lora] }),
  });
  try {
    return await model.logits(tokens);
  } finally {
    await model.dispose();
  }
}

function maxDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let m = 0;
  a.forEach((row, p) => row.forEach((v, i) => (m = Math.max(m, Math.abs(v - b[p]![i]!)))));
  return m;
}

/** max |(a1 - a0) - (b1 - b0)|: the adapter's effect in one against the other. */
function effectDiff(a0: Float32Array[], a1: Float32Array[], b0: Float32Array[], b1: Float32Array[]): number {
  let m = 0;
  a0.forEach((row, p) =>
    row.forEach((v, i) => (m = Math.max(m, Math.abs(a1[p]![i]! - v - (b1[p]![i]! - b0[p]![i]!))))),
  );
  return m;
}

describe("PEFT adapter → GGUF LoRA", () => {
  let reference: Float32Array[];
  let engineBase: Float32Array[];

  beforeAll(async () => {
    tiny = await tinyModel({ dtype: "F32" });
    baseGguf = await tiny.gguf("f32");
    baseModel = await new LlamaEngine().loadModel(baseGguf, { gpu: "cpu", contextSize: 128, sequences: 1 });
    tokens = baseModel.tokenize(PROMPT, { parseSpecial: true });
    reference = forward(
      referenceConfigFromJson(tiny.checkpoint.config),
      tiny.checkpoint.weights as Gemma2Weights,
      tokens,
    );
    engineBase = await logits();
  });

  afterAll(async () => {
    await baseModel.dispose();
  });

  it("writes llama.cpp's adapter layout: metadata, tensor names, ggml dims", async () => {
    const peft = await writeTinyPeft(tmp("layout"), TINY_SHAPE, { rank: 4, alpha: 8 });
    const output = tmp("layout.gguf");
    const result = await convertPeftAdapter({ adapter: peft.dir, base: tiny.checkpoint.dir, output });
    expect(result).toMatchObject({ modules: 6, rank: 4, alpha: 8, scale: 2, type: "f32", rslora: false });
    const file = await readGguf(output);
    expect(ggufString(file, "general.architecture")).toBe("gemma2");
    expect(ggufString(file, "general.type")).toBe("adapter");
    expect(ggufString(file, "adapter.type")).toBe("lora");
    expect(ggufNumber(file, "adapter.lora.alpha")).toBe(8);
    const q = TINY_SHAPE.numHeads * TINY_SHAPE.headDim;
    const byName = new Map(file.tensors.map((t) => [t.name, t]));
    expect(byName.get("blk.0.attn_q.weight.lora_a")).toMatchObject({
      ne: [TINY_SHAPE.hiddenSize, 4],
      type: GGML_TYPE.F32,
    });
    expect(byName.get("blk.0.attn_q.weight.lora_b")).toMatchObject({ ne: [4, q], type: GGML_TYPE.F32 });
    expect(byName.get("blk.1.ffn_down.weight.lora_a")?.ne).toEqual([TINY_SHAPE.intermediateSize, 4]);
    expect(byName.get("blk.1.ffn_down.weight.lora_b")?.ne).toEqual([4, TINY_SHAPE.hiddenSize]);
    expect(file.tensors).toHaveLength(12);
  });

  for (const { label, rslora, scale, alpha } of [
    { label: "lora_alpha / r at scale 1", rslora: false, scale: 1, alpha: 8 },
    { label: "rsLoRA (lora_alpha / √r) at scale 0.5", rslora: true, scale: 0.5, alpha: 4 },
  ]) {
    it(`changes the logits exactly as base + scale·factor·B·A does: ${label}`, async () => {
      const rank = 4;
      const peft = await writeTinyPeft(tmp(`effect-${rslora}`), TINY_SHAPE, {
        rank,
        alpha,
        rslora,
        targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        seed: rslora ? 9 : 3,
      });
      const output = tmp(`effect-${rslora}.gguf`);
      await convertPeftAdapter({ adapter: peft.dir, base: baseGguf, output });
      const factor = scale * (rslora ? alpha / Math.sqrt(rank) : alpha / rank);
      const merged = forward(
        referenceConfigFromJson(tiny.checkpoint.config),
        mergedWeights(tiny.checkpoint.weights!, peft, factor),
        tokens,
      );
      const withLora = await logits({ path: output, scale });
      // The adapter matters (a test that cannot fail would pass with an empty adapter)…
      expect(maxDiff(reference, merged)).toBeGreaterThan(0.05);
      // …and llama.cpp applies exactly it.
      expect(effectDiff(engineBase, withLora, reference, merged)).toBeLessThan(1e-3);
      expect(maxDiff(withLora, merged)).toBeLessThan(1e-3);
    });
  }

  it("keeps BF16 adapters BF16 by default and loads them", async () => {
    const peft = await writeTinyPeft(tmp("bf16"), TINY_SHAPE, { dtype: "BF16" });
    const output = tmp("bf16.gguf");
    const result = await convertPeftAdapter({ adapter: peft.dir, base: tiny.checkpoint.dir, output });
    expect(result.type).toBe("bf16");
    expect((await readGguf(output)).tensors.every((t) => t.type === GGML_TYPE.BF16)).toBe(true);
    const factor = peft.alpha / peft.rank;
    const merged = forward(
      referenceConfigFromJson(tiny.checkpoint.config),
      mergedWeights(tiny.checkpoint.weights!, peft, factor),
      tokens,
    );
    // llama.cpp multiplies BF16 weights with activations rounded to BF16: a looser bound than F32's.
    expect(effectDiff(engineBase, await logits({ path: output }), reference, merged)).toBeLessThan(2e-2);
  });
});
