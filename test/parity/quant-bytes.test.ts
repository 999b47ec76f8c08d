/**
 * Our TypeScript Q8_0 and Q4_0 writers must produce the bytes llama.cpp's own quantizer produces, and the
 * K-quant path (llama.cpp through FFI) must give a file llama.cpp loads and generates from.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  FILE_TYPE_OF,
  GGML_TYPE,
  ggmlTypeName,
  readGguf,
  readGgufTensor,
  type GgufFile,
} from "../../src/convert/index.js";
import { LlamaEngine } from "../../src/engine/llama/llama-engine.js";
import { quantizeGguf } from "../../src/native/quantize.js";
import { MID_SHAPE } from "../helpers/tiny-gemma2.js";
import { tinyModel } from "../helpers/tiny-gguf.js";

async function llamaQuantize(input: string, ftype: number): Promise<GgufFile> {
  const output = join(input, `../llama-ftype-${ftype}.gguf`);
  await quantizeGguf({ input, output, ftype, threads: 2 });
  return readGguf(output);
}

async function compareTensors(ours: GgufFile, theirs: GgufFile, type: number): Promise<number> {
  let compared = 0;
  for (const info of ours.tensors) {
    const other = theirs.tensors.find((t) => t.name === info.name);
    expect(other, info.name).toBeDefined();
    if (info.type !== type || other!.type !== type) continue;
    const [a, b] = await Promise.all([readGgufTensor(ours, info.name), readGgufTensor(theirs, info.name)]);
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b)), `${info.name} bytes`).toBe(0);
    compared++;
  }
  return compared;
}

describe("quantization matches llama.cpp", () => {
  it("Q8_0: every 2-D tensor is byte-identical to llama.cpp's quantizer", async () => {
    const model = await tinyModel({ shape: MID_SHAPE, seed: 5 });
    const ours = await readGguf(await model.gguf("q8_0"));
    const theirs = await llamaQuantize(await model.gguf("f32"), FILE_TYPE_OF.q8_0);
    const compared = await compareTensors(ours, theirs, GGML_TYPE.Q8_0);
    expect(compared).toBe(ours.tensors.filter((t) => t.ne.length === 2).length);
    expect(compared).toBe(1 + MID_SHAPE.numLayers * 7);
  });

  it("Q4_0: llama.cpp's mix (Q6_K tied embeddings), every tensor byte-identical", async () => {
    const model = await tinyModel({ shape: MID_SHAPE, seed: 5 });
    const ours = await readGguf(await model.gguf("q4_0"));
    const theirs = await llamaQuantize(await model.gguf("f32"), FILE_TYPE_OF.q4_0);
    expect(await compareTensors(ours, theirs, GGML_TYPE.Q4_0)).toBe(MID_SHAPE.numLayers * 7);
    expect(await compareTensors(ours, theirs, GGML_TYPE.Q6_K)).toBe(1);
  });

  it("Q4_K_M: llama.cpp's tensor mix, loads and generates", async () => {
    const model = await tinyModel({ shape: MID_SHAPE, seed: 5 });
    const path = await model.gguf("q4_k_m");
    const file = await readGguf(path);
    const typeOf = (name: string): string => ggmlTypeName(file.tensors.find((t) => t.name === name)!.type);
    expect(typeOf("token_embd.weight")).toBe("Q6_K");
    expect(typeOf("blk.0.attn_q.weight")).toBe("Q4_K");
    // use_more_bits(i, n) = i < n/8 || i >= 7n/8 || (i - n/8) % 3 == 2 → layers 2 and 3 of 4 get Q6_K
    expect(typeOf("blk.0.attn_v.weight")).toBe("Q4_K");
    expect(typeOf("blk.2.attn_v.weight")).toBe("Q6_K");
    expect(typeOf("blk.1.ffn_down.weight")).toBe("Q4_K");
    expect(typeOf("blk.3.ffn_down.weight")).toBe("Q6_K");
    expect(typeOf("blk.0.attn_norm.weight")).toBe("F32");
    const engine = await new LlamaEngine().loadModel(path, { gpu: "cpu", contextSize: 128, sequences: 1 });
    try {
      expect(engine.info.description).toMatch(/Q4_K - Medium/);
      const prompt = engine.tokenize("<bos><start_of_turn>user\nsalam<end_of_turn>\n<start_of_turn>model\n", {
        parseSpecial: true,
      });
      const result = await engine.generate(prompt, { temperature: 0, maxTokens: 8 }).result;
      expect(result.tokens).toHaveLength(8);
    } finally {
      await engine.dispose();
    }
  });
});
