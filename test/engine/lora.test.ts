/** LoRA adapters (`--lora file[:scale]`) change the model's output in proportion to their scale. */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { LlamaEngine } from "../../src/engine/index.js";
import { isAtlasError } from "../../src/core/index.js";
import { TINY_SHAPE } from "../helpers/tiny-gemma2.js";
import { tinyModel } from "../helpers/tiny-gguf.js";
import { writeTinyLora } from "../helpers/tiny-lora.js";

let gguf: string;
let adapter: string;

async function lastLogits(lora?: { path: string; scale?: number }[]): Promise<Float32Array> {
  const model = await new LlamaEngine().loadModel(gguf, {
    gpu: "cpu",
    contextSize: 64,
    sequences: 1,
    kvCacheType: "f32",
    ...(lora ? { lora } : {}),
  });
  try {
    const tokens = model.tokenize("<bos>salam, labas 3lik?", { parseSpecial: true });
    return (await model.logits(tokens)).at(-1)!;
  } finally {
    await model.dispose();
  }
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("LoRA adapters", () => {
  beforeAll(async () => {
    gguf = await (await tinyModel()).gguf("f32");
    adapter = join(process.env["ATLAS_TEST_TMP"]!, `lora-${process.pid}.gguf`);
    await writeTinyLora(adapter, TINY_SHAPE);
  });

  it("scale 0 leaves the model unchanged; scale 1 and 2 change it, 2 more than 1", async () => {
    const base = await lastLogits();
    const zero = await lastLogits([{ path: adapter, scale: 0 }]);
    const one = await lastLogits([{ path: adapter }]);
    const two = await lastLogits([{ path: adapter, scale: 2 }]);
    expect(maxDiff(base, zero)).toBeLessThan(1e-5);
    expect(maxDiff(base, one)).toBeGreaterThan(1e-3);
    expect(maxDiff(base, two)).toBeGreaterThan(maxDiff(base, one));
  });

  it("a file that is not an adapter for this model is a clear error", async () => {
    try {
      await lastLogits([{ path: gguf }]);
      expect.unreachable();
    } catch (error) {
      expect(isAtlasError(error, "INVALID_MODEL")).toBe(true);
      expect(String(error)).toMatch(/LoRA adapter/);
    }
  });
});
