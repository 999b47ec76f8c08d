/**
 * Writes a LoRA adapter GGUF for a tiny Gemma-2 (the layout of llama.cpp's convert_lora_to_gguf.py:
 * general.type "adapter", adapter.type "lora", adapter.lora.alpha, `<tensor>.lora_a` [in, rank] and
 * `<tensor>.lora_b` [rank, out] in ggml dims), with seeded random F32 weights.
 */
import { writeFile } from "node:fs/promises";
import { encodeGgufHeader, type GgufTensorSpec } from "../../src/convert/gguf-header.js";
import { GGUF_TYPE } from "../../src/convert/index.js";
import type { GgufKv } from "../../src/convert/index.js";
import { Rng } from "./rng.js";
import type { Gemma2Shape } from "./tiny-gemma2.js";

export async function writeTinyLora(
  path: string,
  shape: Gemma2Shape,
  options: { rank?: number; alpha?: number; seed?: number } = {},
): Promise<void> {
  const rank = options.rank ?? 4;
  const rng = new Rng(options.seed ?? 11);
  const q = shape.numHeads * shape.headDim;
  const kv = shape.numKvHeads * shape.headDim;
  const targets: [string, number, number][] = [];
  for (let layer = 0; layer < shape.numLayers; layer++) {
    targets.push([`blk.${layer}.attn_q.weight`, shape.hiddenSize, q]);
    targets.push([`blk.${layer}.attn_v.weight`, shape.hiddenSize, kv]);
    targets.push([`blk.${layer}.ffn_up.weight`, shape.hiddenSize, shape.intermediateSize]);
  }
  const specs: GgufTensorSpec[] = targets.flatMap(([name, input, output]) => [
    { name: `${name}.lora_a`, ne: [input, rank], type: 0 },
    { name: `${name}.lora_b`, ne: [rank, output], type: 0 },
  ]);
  const kvs: GgufKv[] = [
    { key: "general.architecture", type: GGUF_TYPE.STRING, value: "gemma2" },
    { key: "general.type", type: GGUF_TYPE.STRING, value: "adapter" },
    { key: "adapter.type", type: GGUF_TYPE.STRING, value: "lora" },
    { key: "adapter.lora.alpha", type: GGUF_TYPE.FLOAT32, value: options.alpha ?? rank },
  ];
  const header = encodeGgufHeader(kvs, specs);
  const data = Buffer.alloc(header.dataBytes);
  for (const info of header.tensors) {
    const count = info.ne.reduce((a, b) => a * b, 1);
    const values = new Float32Array(count);
    rng.fillNormal(values, 0, 0.1);
    Buffer.from(values.buffer).copy(data, info.offset);
  }
  await writeFile(path, Buffer.concat([header.bytes, data]));
}
