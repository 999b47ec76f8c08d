import { mkdtemp, readFile, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "@huggingface/jinja";
import { describe, expect, it } from "vitest";
import { decodeBf16, decodeF16 } from "../../src/convert/float16.js";
import { parseSafetensors } from "./parse-safetensors.js";
import { GEMMA2_CHAT_TEMPLATE } from "./hf-tokenizer-files.js";
import { PIECE_TYPE } from "./sentencepiece-model-writer.js";
import {
  GEMMA2_2B_SHAPE,
  MID_SHAPE,
  TINY_SHAPE,
  gemma2ParameterCount,
  gemma2TensorList,
  writeGemma2Checkpoint,
  type WrittenCheckpoint,
} from "./tiny-gemma2.js";

async function scratchDir(): Promise<string> {
  return mkdtemp(join(process.env["ATLAS_TEST_TMP"] ?? tmpdir(), "gemma2-"));
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
}

/** Decodes every tensor of every shard listed in the checkpoint back to floats. */
async function readAllTensors(
  cp: WrittenCheckpoint,
): Promise<Map<string, { dtype: string; shape: number[]; data: Float32Array }>> {
  const out = new Map<string, { dtype: string; shape: number[]; data: Float32Array }>();
  for (const file of cp.files.filter((f) => f.endsWith(".safetensors"))) {
    const parsed = await parseSafetensors(join(cp.dir, file));
    expect(parsed.metadata).toEqual({ format: "pt" });
    for (const [name, t] of parsed.tensors) {
      const bytes = parsed.data.slice(t.data_offsets[0], t.data_offsets[1]);
      const count = t.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(count);
      if (t.dtype === "BF16") decodeBf16(bytes, data);
      else if (t.dtype === "F16") decodeF16(bytes, data);
      else data.set(new Float32Array(bytes.buffer, 0, count));
      out.set(name, { dtype: t.dtype, shape: t.shape, data });
    }
  }
  return out;
}

const std = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);

describe("writeGemma2Checkpoint (tiny, defaults)", async () => {
  const dir = await scratchDir();
  const cp = await writeGemma2Checkpoint(dir);

  it("writes the Hugging Face file set with 2 shards", async () => {
    const expected = [
      "config.json",
      "generation_config.json",
      "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors",
      "model.safetensors.index.json",
      "special_tokens_map.json",
      "tokenizer.model",
      "tokenizer_config.json",
    ];
    expect(cp.files).toEqual(expected);
    expect((await readdir(dir)).sort()).toEqual(expected);
  });

  it("writes a Gemma2ForCausalLM config.json with every field the converter reads", async () => {
    const config = await readJson(join(dir, "config.json"));
    expect(config).toEqual(cp.config);
    expect(config).toMatchObject({
      architectures: ["Gemma2ForCausalLM"],
      model_type: "gemma2",
      hidden_size: 64,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 16,
      intermediate_size: 128,
      query_pre_attn_scalar: 16,
      sliding_window: 16,
      max_position_embeddings: 512,
      vocab_size: 640,
      attn_logit_softcapping: 50,
      final_logit_softcapping: 30,
      rms_norm_eps: 1e-6,
      rope_theta: 10000,
      hidden_activation: "gelu_pytorch_tanh",
      tie_word_embeddings: true,
      torch_dtype: "bfloat16",
      bos_token_id: 2,
      eos_token_id: [1, 6],
      pad_token_id: 0,
    });
  });

  it("lays the vocabulary out as specials, 256 bytes, trained pieces, <unusedK> padding", () => {
    const { pieces, types, scores } = cp.vocab;
    expect(pieces.slice(0, 7)).toEqual([
      "<pad>",
      "<eos>",
      "<bos>",
      "<unk>",
      "<mask>",
      "<start_of_turn>",
      "<end_of_turn>",
    ]);
    expect(types.slice(0, 7)).toEqual([3, 3, 3, 2, 3, 4, 4]);
    expect(cp.specialIds).toEqual({ pad: 0, eos: 1, bos: 2, unk: 3, startOfTurn: 5, endOfTurn: 6 });
    expect(pieces[7]).toBe("<0x00>");
    expect(pieces[7 + 0x0a]).toBe("<0x0A>");
    expect(pieces[262]).toBe("<0xFF>");
    expect(types.slice(7, 263).every((t) => t === PIECE_TYPE.BYTE)).toBe(true);
    const firstPad = pieces.indexOf("<unused0>");
    expect(firstPad).toBeGreaterThan(550);
    expect(firstPad).toBeLessThanOrEqual(600);
    expect(types.slice(263, firstPad).every((t) => t === PIECE_TYPE.NORMAL)).toBe(true);
    expect(types.slice(firstPad).every((t) => t === PIECE_TYPE.CONTROL)).toBe(true);
    expect(pieces.at(-1)).toBe(`<unused${640 - firstPad - 1}>`);
    expect(pieces).toContain("\n");
    expect(new Set(pieces).size).toBe(pieces.length);
    expect(scores[263]).toBe(0); // the first merge
    expect(Math.max(...scores.slice(264, firstPad))).toBeLessThan(0);
  });

  it("writes tokenizer_config.json with the exact Gemma-2 chat template that renders turns", async () => {
    const tc = await readJson(join(dir, "tokenizer_config.json"));
    expect(tc).toMatchObject({
      add_bos_token: true,
      add_eos_token: false,
      bos_token: "<bos>",
      eos_token: "<eos>",
    });
    expect(tc["additional_special_tokens"]).toEqual(["<start_of_turn>", "<end_of_turn>"]);
    expect(Object.keys(tc["added_tokens_decoder"] as object)).toEqual(["0", "1", "2", "3", "4", "5", "6"]);
    expect((tc["added_tokens_decoder"] as Record<string, unknown>)["6"]).toMatchObject({
      content: "<end_of_turn>",
      special: true,
    });
    expect(tc["chat_template"]).toBe(GEMMA2_CHAT_TEMPLATE);
    expect(GEMMA2_CHAT_TEMPLATE).toContain("'\\n'"); // backslash-n escapes, not newlines
    expect(GEMMA2_CHAT_TEMPLATE).not.toContain("\n");
    const rendered = new Template(GEMMA2_CHAT_TEMPLATE).render({
      messages: [
        { role: "user", content: " salam " },
        { role: "assistant", content: "labas" },
        { role: "user", content: "شنو هو الطاجين؟" },
      ],
      bos_token: "<bos>",
      add_generation_prompt: true,
    });
    expect(rendered).toBe(
      "<bos><start_of_turn>user\nsalam<end_of_turn>\n<start_of_turn>model\nlabas<end_of_turn>\n" +
        "<start_of_turn>user\nشنو هو الطاجين؟<end_of_turn>\n<start_of_turn>model\n",
    );
    const special = await readJson(join(dir, "special_tokens_map.json"));
    expect(special["bos_token"]).toMatchObject({ content: "<bos>" });
  });

  it("writes the HF tensors (no lm_head) whose stored values are the returned weights", async () => {
    const tensors = await readAllTensors(cp);
    expect([...tensors.keys()].sort()).toEqual(
      gemma2TensorList(TINY_SHAPE)
        .map((t) => t.name)
        .sort(),
    );
    expect(tensors.has("lm_head.weight")).toBe(false);
    expect(cp.weights).toBeDefined();
    for (const [name, t] of tensors) {
      expect(t.dtype).toBe("BF16");
      expect(t.shape).toEqual(cp.weights!.get(name)!.shape);
      expect(t.data).toEqual(cp.weights!.get(name)!.data);
    }
    expect(tensors.get("model.layers.0.self_attn.q_proj.weight")!.shape).toEqual([64, 64]);
    expect(tensors.get("model.layers.1.self_attn.k_proj.weight")!.shape).toEqual([32, 64]);
    expect(tensors.get("model.layers.1.mlp.down_proj.weight")!.shape).toEqual([64, 128]);
    expect(std(tensors.get("model.embed_tokens.weight")!.data)).toBeCloseTo(0.02, 2);
    const normStd = std(tensors.get("model.norm.weight")!.data);
    expect(normStd).toBeGreaterThan(0.06);
    expect(normStd).toBeLessThan(0.14);
    const index = await readJson(join(dir, "model.safetensors.index.json"));
    const total = [...tensors.values()].reduce((n, t) => n + t.data.length * 2, 0);
    expect(index["metadata"]).toEqual({ total_size: total });
  });
});

describe("writeGemma2Checkpoint options", () => {
  it("is deterministic per seed", async () => {
    const [a, b, c] = await Promise.all([scratchDir(), scratchDir(), scratchDir()]);
    await writeGemma2Checkpoint(a, { seed: 5, shards: 1 });
    await writeGemma2Checkpoint(b, { seed: 5, shards: 1 });
    await writeGemma2Checkpoint(c, { seed: 6, shards: 1 });
    const bytes = async (d: string): Promise<Buffer> => readFile(join(d, "model.safetensors"));
    expect((await bytes(a)).equals(await bytes(b))).toBe(true);
    expect((await bytes(a)).equals(await bytes(c))).toBe(false);
    expect(
      (await readFile(join(a, "tokenizer.model"))).equals(await readFile(join(c, "tokenizer.model"))),
    ).toBe(true);
  });

  it("writes a mid-size F16 model in 3 shards, with progress, without keeping weights when asked", async () => {
    const dir = await scratchDir();
    const progress: [number, number][] = [];
    const cp = await writeGemma2Checkpoint(dir, {
      shape: MID_SHAPE,
      dtype: "F16",
      shards: 3,
      keepWeights: false,
      tokenizerModel: false,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(cp.weights).toBeUndefined();
    expect(cp.files.filter((f) => f.endsWith(".safetensors"))).toEqual(
      [1, 2, 3].map((k) => `model-0000${k}-of-00003.safetensors`),
    );
    expect(cp.files).not.toContain("tokenizer.model");
    const tensors = await readAllTensors(cp);
    expect(tensors.size).toBe(2 + 11 * MID_SHAPE.numLayers);
    expect([...tensors.values()].every((t) => t.dtype === "F16")).toBe(true);
    const totalBytes = gemma2ParameterCount(MID_SHAPE) * 2;
    expect(progress.at(-1)).toEqual([totalBytes, totalBytes]);
    const index = await readJson(join(dir, "model.safetensors.index.json"));
    expect(index["metadata"]).toEqual({ total_size: totalBytes });
    const sizes = await Promise.all(
      [1, 2, 3].map(async (k) => (await stat(join(dir, `model-0000${k}-of-00003.safetensors`))).size),
    );
    for (const s of sizes) expect(s).toBeGreaterThan(totalBytes / 6);
    expect(cp.config["torch_dtype"]).toBe("float16");
    expect(std(tensors.get("model.layers.3.mlp.up_proj.weight")!.data)).toBeCloseTo(0.02, 3);
  });

  it("writes tokenizer.json equivalent to the SentencePiece vocabulary", async () => {
    const dir = await scratchDir();
    const cp = await writeGemma2Checkpoint(dir, {
      tokenizerJson: true,
      dtype: "F32",
      eosIncludesEndOfTurn: false,
    });
    expect(cp.config["eos_token_id"]).toBe(1);
    const tj = await readJson(join(dir, "tokenizer.json"));
    const model = tj["model"] as {
      type: string;
      vocab: Record<string, number>;
      merges: string[];
      byte_fallback: boolean;
      fuse_unk: boolean;
    };
    expect(model).toMatchObject({ type: "BPE", byte_fallback: true, fuse_unk: true, unk_token: "<unk>" });
    expect(Object.keys(model.vocab)).toHaveLength(640);
    cp.vocab.pieces.forEach((p, id) => expect(model.vocab[p]).toBe(id));
    for (const merge of model.merges) {
      const [left, right, ...rest] = merge.split(" ");
      expect(rest).toEqual([]);
      expect(model.vocab[left!]).toBeDefined();
      expect(model.vocab[right!]).toBeDefined();
      expect(model.vocab[left! + right!]).toBeDefined();
    }
    // Merge ranks follow the merged pieces' SentencePiece scores.
    const mergedScore = model.merges.map((m) => cp.vocab.scores[model.vocab[m.replace(" ", "")]!]!);
    expect(mergedScore).toEqual([...mergedScore].sort((a, b) => b - a));
    const added = tj["added_tokens"] as { id: number; content: string; special: boolean }[];
    expect(added.map((t) => [t.id, t.content, t.special])).toEqual(
      cp.vocab.pieces.slice(0, 7).map((p, i) => [i, p, true]),
    );
    expect(tj["normalizer"]).toEqual({ type: "Replace", pattern: { String: " " }, content: "▁" });
  });

  it("rejects a vocab size below the trained vocabulary and knows the 2B shape's size", async () => {
    await expect(
      writeGemma2Checkpoint(await scratchDir(), { shape: { ...TINY_SHAPE, vocabSize: 300 } }),
    ).rejects.toThrow(/smaller/);
    // 2.614e9 parameters (BF16 ≈ 5.2 GB): the 2B writer itself is too big to run in tests.
    expect(gemma2ParameterCount(GEMMA2_2B_SHAPE)).toBe(2614341888);
  });
});
