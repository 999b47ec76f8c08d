/**
 * `atlas lora merge`: W' = W + scale·(alpha/r)·B·A written by the converter gives the logits llama.cpp
 * computes with the adapter applied at run time — from a checkpoint folder and from an F32 GGUF — and
 * quantized merges follow llama.cpp's type rules.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { isAtlasError } from "../../src/core/index.js";
import { LlamaEngine } from "../../src/engine/index.js";
import { GGML_TYPE, ggufNumber, readGguf } from "../../src/convert/index.js";
import { convertPeftAdapter, mergeLora } from "../../src/tune/index.js";
import { TINY_SHAPE } from "../helpers/tiny-gemma2.js";
import { tinyModel, type TinyModel } from "../helpers/tiny-gguf.js";
import { writeTinyPeft } from "../helpers/tiny-peft.js";

const PROMPT = "<bos><start_of_turn>user\nlabas 3lik? كيف داير؟<end_of_turn>\n<start_of_turn>model\n";
const tmp = (name: string): string =>
  join(process.env["ATLAS_TEST_TMP"]!, `lora-merge-${process.pid}-${name}`);

let tiny: TinyModel;
let baseGguf: string;
let adapter: string;

async function logits(path: string, lora?: { path: string; scale?: number }): Promise<Float32Array[]> {
  const model = await new LlamaEngine().loadModel(path, {
    gpu: "cpu",
    contextSize: 128,
    sequences: 1,
    kvCacheType: "f32",
    ...(lora === undefined ? {} : { lora: [lora] }),
  });
  try {
    return await model.logits(model.tokenize(PROMPT, { parseSpecial: true }));
  } finally {
    await model.dispose();
  }
}

function maxDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let m = 0;
  a.forEach((row, p) => row.forEach((v, i) => (m = Math.max(m, Math.abs(v - b[p]![i]!)))));
  return m;
}

describe("merging an adapter", () => {
  beforeAll(async () => {
    tiny = await tinyModel({ dtype: "F32" });
    baseGguf = await tiny.gguf("f32");
    const peft = await writeTinyPeft(tmp("peft"), TINY_SHAPE, {
      rank: 4,
      alpha: 8,
      targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    });
    adapter = tmp("adapter.gguf");
    await convertPeftAdapter({ adapter: peft.dir, base: tiny.checkpoint.dir, output: adapter });
  });

  it("from the checkpoint and from an F32 GGUF: the run-time adapter's logits, at scale 1 and 0.5", async () => {
    for (const scale of [1, 0.5]) {
      const runtime = await logits(baseGguf, { path: adapter, scale });
      const fromCheckpoint = tmp(`merged-hf-${scale}.gguf`);
      const fromGguf = tmp(`merged-gguf-${scale}.gguf`);
      const a = await mergeLora({
        model: tiny.checkpoint.dir,
        adapter,
        output: fromCheckpoint,
        type: "f32",
        scale,
      });
      const b = await mergeLora({ model: baseGguf, adapter, output: fromGguf, scale });
      expect(a).toMatchObject({ type: "f32", merged: 14 });
      expect(b).toMatchObject({ type: "f32", merged: 14 });
      expect(maxDiff(runtime, await logits(baseGguf))).toBeGreaterThan(0.05);
      expect(maxDiff(await logits(fromCheckpoint), runtime)).toBeLessThan(1e-3);
      expect(maxDiff(await logits(fromGguf), runtime)).toBeLessThan(1e-3);
    }
  });

  it("quantizes in the same pass with llama.cpp's K-quant types (q4_k_m)", async () => {
    const output = tmp("merged-q4km.gguf");
    const result = await mergeLora({ model: baseGguf, adapter, output, type: "q4_k_m" });
    expect(result.type).toBe("q4_k_m");
    const file = await readGguf(output);
    expect(ggufNumber(file, "general.file_type")).toBe(15);
    const types = new Map(file.tensors.map((t) => [t.name, t.type]));
    expect(types.get("blk.0.attn_norm.weight")).toBe(GGML_TYPE.F32);
    // Tiny rows (64 values) fit no 256-value K block: llama.cpp's fallbacks apply, as `atlas convert` does.
    const converted = await readGguf(await tiny.gguf("q4_k_m"));
    for (const t of converted.tensors) expect(types.get(t.name), t.name).toBe(t.type);
    const runtime = await logits(baseGguf, { path: adapter });
    expect(maxDiff(await logits(output), runtime)).toBeLessThan(0.5);
  });

  it("refuses a quantized base, an adapter of another model, an existing output — and writes nothing", async () => {
    const q8 = await tiny.gguf("q8_0");
    const out = tmp("refused.gguf");
    const other = await tinyModel({
      dtype: "F32",
      shape: { ...TINY_SHAPE, hiddenSize: 32, intermediateSize: 64 },
    });
    for (const [options, code] of [
      [{ model: q8, adapter, output: out }, "UNSUPPORTED"],
      [{ model: other.checkpoint.dir, adapter, output: out }, "INVALID_MODEL"],
      [{ model: baseGguf, adapter: baseGguf, output: out }, "INVALID_MODEL"],
      [{ model: baseGguf, adapter, output: baseGguf }, "BAD_ARGUMENT"],
    ] as const) {
      const error = await mergeLora(options).catch((e: unknown) => e);
      expect(isAtlasError(error, code), String(error)).toBe(true);
      expect(existsSync(out)).toBe(false);
    }
  });
});
