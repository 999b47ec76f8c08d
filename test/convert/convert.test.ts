/** End-to-end conversion of generated Gemma-2 checkpoints, checked value by value and with an independent parser. */
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { gguf } from "@huggingface/gguf";
import { beforeAll, describe, expect, it } from "vitest";
import {
  convertModel,
  ggufArray,
  ggufNumber,
  ggufScalar,
  ggufString,
  inspectModel,
  readGguf,
  readGgufTensor,
  type ConvertProgress,
  type GgufFile,
} from "../../src/convert/index.js";
import { encodeBf16, encodeF16, f16ToF32, f32ToF16 } from "../../src/convert/float16.js";
import { quantizeQ4_0, quantizeQ8_0 } from "../../src/convert/quantize-blocks.js";
import { isAtlasError } from "../../src/core/index.js";
import {
  TINY_SHAPE,
  gemma2ParameterCount,
  writeGemma2Checkpoint,
  type WrittenCheckpoint,
} from "../helpers/tiny-gemma2.js";
import { writeRawSafetensors } from "../helpers/safetensors-writer.js";
import { editJson, listDir, scratchDir } from "./fixtures.js";

const HF_TO_GGUF: Array<[RegExp, string]> = [
  [/^model\.embed_tokens\.weight$/, "token_embd.weight"],
  [/^model\.norm\.weight$/, "output_norm.weight"],
  [/^model\.layers\.(\d+)\.input_layernorm\.weight$/, "blk.$1.attn_norm.weight"],
  [/^model\.layers\.(\d+)\.self_attn\.q_proj\.weight$/, "blk.$1.attn_q.weight"],
  [/^model\.layers\.(\d+)\.self_attn\.k_proj\.weight$/, "blk.$1.attn_k.weight"],
  [/^model\.layers\.(\d+)\.self_attn\.v_proj\.weight$/, "blk.$1.attn_v.weight"],
  [/^model\.layers\.(\d+)\.self_attn\.o_proj\.weight$/, "blk.$1.attn_output.weight"],
  [/^model\.layers\.(\d+)\.post_attention_layernorm\.weight$/, "blk.$1.post_attention_norm.weight"],
  [/^model\.layers\.(\d+)\.pre_feedforward_layernorm\.weight$/, "blk.$1.ffn_norm.weight"],
  [/^model\.layers\.(\d+)\.mlp\.gate_proj\.weight$/, "blk.$1.ffn_gate.weight"],
  [/^model\.layers\.(\d+)\.mlp\.up_proj\.weight$/, "blk.$1.ffn_up.weight"],
  [/^model\.layers\.(\d+)\.mlp\.down_proj\.weight$/, "blk.$1.ffn_down.weight"],
  [/^model\.layers\.(\d+)\.post_feedforward_layernorm\.weight$/, "blk.$1.post_ffw_norm.weight"],
];

function ggufName(hf: string): string {
  for (const [re, name] of HF_TO_GGUF) if (re.test(hf)) return hf.replace(re, name);
  throw new Error(`unmapped ${hf}`);
}

const isNorm = (hf: string): boolean => hf.endsWith("norm.weight");

async function tensorF32(file: GgufFile, name: string): Promise<Float32Array> {
  const bytes = await readGgufTensor(file, name);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

let bf16: WrittenCheckpoint;
let f32: WrittenCheckpoint;
let f16: WrittenCheckpoint;
let out: string;

beforeAll(async () => {
  const root = await scratchDir("e2e");
  out = join(root, "out");
  [bf16, f32, f16] = await Promise.all([
    writeGemma2Checkpoint(join(root, "tiny-bf16"), { dtype: "BF16", shards: 2, seed: 1 }),
    writeGemma2Checkpoint(join(root, "tiny-f32"), { dtype: "F32", shards: 1, seed: 2 }),
    writeGemma2Checkpoint(join(root, "tiny-f16"), { dtype: "F16", shards: 3, seed: 3 }),
  ]);
});

describe("BF16 checkpoint → default type (bf16)", () => {
  let file: GgufFile;
  let progress: ConvertProgress[];

  beforeAll(async () => {
    progress = [];
    const result = await convertModel({
      input: bf16.dir,
      output: join(out, "bf16.gguf"),
      onProgress: (p) => progress.push(p),
    });
    expect(result).toMatchObject({
      type: "bf16",
      fileType: 32,
      architecture: "gemma2",
      tensors: 2 + 11 * TINY_SHAPE.numLayers,
      parameters: gemma2ParameterCount(TINY_SHAPE),
      vocabSize: TINY_SHAPE.vocabSize,
      warnings: [],
    });
    expect(result.bytes).toBe((await stat(result.output)).size);
    file = await readGguf(result.output);
  });

  it("writes llama.cpp's metadata keys in llama.cpp's order", () => {
    expect(file.kvs.map((e) => e.key)).toEqual([
      "general.architecture",
      "general.type",
      "general.name",
      "general.size_label",
      "gemma2.context_length",
      "gemma2.embedding_length",
      "gemma2.block_count",
      "gemma2.feed_forward_length",
      "gemma2.attention.head_count",
      "gemma2.attention.head_count_kv",
      "gemma2.attention.layer_norm_rms_epsilon",
      "gemma2.attention.key_length",
      "gemma2.attention.value_length",
      "general.file_type",
      "gemma2.attn_logit_softcapping",
      "gemma2.final_logit_softcapping",
      "gemma2.attention.sliding_window",
      "general.quantization_version",
      "tokenizer.ggml.model",
      "tokenizer.ggml.pre",
      "tokenizer.ggml.tokens",
      "tokenizer.ggml.scores",
      "tokenizer.ggml.token_type",
      "tokenizer.ggml.bos_token_id",
      "tokenizer.ggml.eos_token_id",
      "tokenizer.ggml.unknown_token_id",
      "tokenizer.ggml.padding_token_id",
      "tokenizer.ggml.eot_token_id",
      "tokenizer.ggml.add_bos_token",
      "tokenizer.ggml.add_eos_token",
      "tokenizer.chat_template",
      "tokenizer.ggml.add_space_prefix",
    ]);
  });

  it("writes the hyper-parameters of config.json", () => {
    const s = TINY_SHAPE;
    expect(ggufString(file, "general.architecture")).toBe("gemma2");
    expect(ggufString(file, "general.name")).toBe("tiny-bf16");
    expect(ggufNumber(file, "gemma2.context_length")).toBe(s.maxPositionEmbeddings);
    expect(ggufNumber(file, "gemma2.embedding_length")).toBe(s.hiddenSize);
    expect(ggufNumber(file, "gemma2.block_count")).toBe(s.numLayers);
    expect(ggufNumber(file, "gemma2.feed_forward_length")).toBe(s.intermediateSize);
    expect(ggufNumber(file, "gemma2.attention.head_count")).toBe(s.numHeads);
    expect(ggufNumber(file, "gemma2.attention.head_count_kv")).toBe(s.numKvHeads);
    expect(ggufNumber(file, "gemma2.attention.key_length")).toBe(s.headDim);
    expect(ggufNumber(file, "gemma2.attention.value_length")).toBe(s.headDim);
    expect(ggufNumber(file, "gemma2.attention.layer_norm_rms_epsilon")).toBe(Math.fround(1e-6));
    expect(ggufNumber(file, "gemma2.attn_logit_softcapping")).toBe(50);
    expect(ggufNumber(file, "gemma2.final_logit_softcapping")).toBe(30);
    expect(ggufNumber(file, "gemma2.attention.sliding_window")).toBe(s.slidingWindow);
    expect(ggufNumber(file, "general.quantization_version")).toBe(2);
    expect(ggufScalar(file, "tokenizer.ggml.add_space_prefix")).toBe(false);
  });

  it("writes the vocabulary: pieces, scores, types (USER_DEFINED → NORMAL, added tokens → CONTROL)", () => {
    const decoderIds = new Set(Object.values(bf16.specialIds));
    decoderIds.add(bf16.vocab.pieces.indexOf("<mask>"));
    expect(ggufArray(file, "tokenizer.ggml.tokens")).toEqual(bf16.vocab.pieces);
    const scores = ggufArray(file, "tokenizer.ggml.scores")!;
    const types = ggufArray(file, "tokenizer.ggml.token_type")!;
    bf16.vocab.pieces.forEach((_, id) => {
      const spType = bf16.vocab.types[id]!;
      if (decoderIds.has(id)) {
        expect(types[id]).toBe(3);
        expect(scores[id]).toBe(-1000);
      } else {
        expect(types[id]).toBe(spType === 4 ? 1 : spType);
        expect(scores[id]).toBe(Math.fround(bf16.vocab.scores[id]!));
      }
    });
  });

  it("reads special ids from the files (end_of_turn is not 107 here)", () => {
    const ids = bf16.specialIds;
    expect(ggufNumber(file, "tokenizer.ggml.bos_token_id")).toBe(ids.bos);
    expect(ggufNumber(file, "tokenizer.ggml.eos_token_id")).toBe(ids.eos);
    expect(ggufNumber(file, "tokenizer.ggml.unknown_token_id")).toBe(ids.unk);
    expect(ggufNumber(file, "tokenizer.ggml.padding_token_id")).toBe(ids.pad);
    expect(ggufNumber(file, "tokenizer.ggml.eot_token_id")).toBe(ids.endOfTurn);
    expect(ids.endOfTurn).not.toBe(107);
    expect(ggufScalar(file, "tokenizer.ggml.add_bos_token")).toBe(true);
    expect(ggufScalar(file, "tokenizer.ggml.add_eos_token")).toBe(false);
    expect(ggufString(file, "tokenizer.chat_template")).toContain("<start_of_turn>");
  });

  it("maps every tensor, reverses dims, keeps BF16 bytes and stores norms + 1 as F32", async () => {
    expect(file.tensors.map((t) => t.name).sort()).toEqual([...bf16.weights!.keys()].map(ggufName).sort());
    for (const [hf, { shape, data }] of bf16.weights!) {
      const info = file.tensors.find((t) => t.name === ggufName(hf))!;
      expect(info.ne).toEqual([...shape].reverse());
      if (isNorm(hf)) {
        expect(info.type).toBe(0);
        expect(Array.from(await tensorF32(file, info.name))).toEqual(
          Array.from(data, (w) => Math.fround(w + 1)),
        );
      } else {
        expect(info.type).toBe(30);
        expect(Buffer.from(await readGgufTensor(file, info.name)).equals(Buffer.from(encodeBf16(data)))).toBe(
          true,
        );
      }
    }
  });

  it("orders tensors like llama.cpp: shard by shard, by name within a shard", () => {
    const names = file.tensors.map((t) => t.name);
    expect(names[0]).toBe("token_embd.weight");
    expect(names.indexOf("blk.0.attn_norm.weight")).toBeLessThan(names.indexOf("blk.0.ffn_down.weight"));
  });

  it("is parsed the same by @huggingface/gguf", async () => {
    const parsed = await gguf(file.path, { allowLocalFile: true });
    const meta = parsed.metadata as unknown as Record<string, unknown>;
    expect(meta["tokenizer.ggml.tokens"]).toEqual(bf16.vocab.pieces);
    expect(meta["gemma2.block_count"]).toBe(TINY_SHAPE.numLayers);
    expect(meta["tokenizer.ggml.eot_token_id"]).toBe(bf16.specialIds.endOfTurn);
    expect(Number(parsed.tensorDataOffset)).toBe(file.dataOffset);
    expect(parsed.tensorInfos.map((t) => [t.name, t.shape.map(Number), t.dtype, Number(t.offset)])).toEqual(
      file.tensors.map((t) => [t.name, t.ne, t.type, t.offset]),
    );
  });

  it("reports progress up to the totals", () => {
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ phase: "convert", tensorsDone: last.tensorsTotal });
    expect(last.bytesDone).toBe(last.bytesTotal);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!.bytesDone).toBeGreaterThanOrEqual(progress[i - 1]!.bytesDone);
      expect(progress[i]!.tensorsDone).toBeGreaterThanOrEqual(progress[i - 1]!.tensorsDone);
    }
  });
});

describe("F32 checkpoint → every type our writer produces", () => {
  const check = async (type: "f32" | "f16" | "q8_0" | "q4_0"): Promise<void> => {
    const result = await convertModel({ input: f32.dir, output: join(out, `f32-${type}.gguf`), type });
    const file = await readGguf(result.output);
    expect(ggufNumber(file, "general.file_type")).toBe({ f32: 0, f16: 1, q8_0: 7, q4_0: 2 }[type]);
    for (const [hf, { data }] of f32.weights!) {
      const name = ggufName(hf);
      const bytes = Buffer.from(await readGgufTensor(file, name));
      let expected: Uint8Array;
      if (isNorm(hf)) expected = new Uint8Array(Float32Array.from(data, (w) => w + 1).buffer);
      else if (type === "f32") expected = new Uint8Array(data.slice().buffer);
      else if (type === "f16") expected = encodeF16(data);
      else {
        const q8 = type === "q8_0" || name === "token_embd.weight";
        expected = new Uint8Array((data.length / 32) * (q8 ? 34 : 18));
        (q8 ? quantizeQ8_0 : quantizeQ4_0)(data, expected);
      }
      expect(bytes.equals(Buffer.from(expected)), `${type} ${name}`).toBe(true);
    }
    if (type === "q4_0") {
      // llama.cpp's Q4_0 mix gives the tied embeddings Q6_K; rows of 64 fit no 256-value block → Q8_0.
      expect(file.tensors.find((t) => t.name === "token_embd.weight")!.type).toBe(8);
    }
  };
  it.each(["f32", "f16", "q8_0", "q4_0"] as const)("%s", check);
});

describe("F16 checkpoint", () => {
  it("defaults to f16 and adds 1 to norms in F16 precision, as llama.cpp's torch code does", async () => {
    const result = await convertModel({ input: f16.dir, output: join(out, "f16.gguf") });
    expect(result.type).toBe("f16");
    const file = await readGguf(result.output);
    for (const [hf, { data }] of f16.weights!) {
      if (!isNorm(hf)) {
        expect(
          Buffer.from(await readGgufTensor(file, ggufName(hf))).equals(Buffer.from(encodeF16(data))),
        ).toBe(true);
        continue;
      }
      const values = await tensorF32(file, ggufName(hf));
      expect(Array.from(values)).toEqual(Array.from(data, (w) => f16ToF32(f32ToF16(w + 1))));
    }
  });
});

describe("attention-scale fix", () => {
  it("multiplies attn_q by sqrt(head_dim / query_pre_attn_scalar) when they differ, and says so", async () => {
    const root = await scratchDir("qpas");
    const cp = await writeGemma2Checkpoint(join(root, "m"), { dtype: "F32", shards: 1, seed: 4 });
    await editJson(join(cp.dir, "config.json"), (c) => (c["query_pre_attn_scalar"] = 9));
    const result = await convertModel({ input: cp.dir, output: join(root, "m.gguf"), type: "f32" });
    const factor = Math.sqrt(TINY_SHAPE.headDim / 9);
    expect(result.warnings.join()).toMatch(
      /attention-scale fix: .*query_pre_attn_scalar is 9 .*1\/sqrt\(16\).*1\.3333333/,
    );
    const file = await readGguf(result.output);
    for (const [hf, { data }] of cp.weights!) {
      if (!hf.includes("q_proj") && !hf.includes("k_proj")) continue;
      const values = await tensorF32(file, ggufName(hf));
      const expected = hf.includes("q_proj") ? Float32Array.from(data, (w) => w * factor) : data;
      expect(Array.from(values)).toEqual(Array.from(expected));
    }
  });
});

describe("checkpoint variants", () => {
  it("converts from tokenizer.json when tokenizer.model is absent", async () => {
    const root = await scratchDir("variants");
    const cp = await writeGemma2Checkpoint(join(root, "m"), {
      tokenizerModel: false,
      tokenizerJson: true,
      seed: 5,
    });
    const result = await convertModel({ input: cp.dir, output: join(root, "m.gguf"), type: "q8_0" });
    expect(result.warnings.join()).toMatch(/no tokenizer.model: vocabulary taken from tokenizer.json/);
    const file = await readGguf(result.output);
    expect(ggufArray(file, "tokenizer.ggml.tokens")).toEqual(cp.vocab.pieces);
    const reference = await readGguf(join(out, "bf16.gguf"));
    expect(ggufArray(file, "tokenizer.ggml.token_type")).toEqual(
      ggufArray(reference, "tokenizer.ggml.token_type"),
    );
    expect(ggufNumber(file, "tokenizer.ggml.eot_token_id")).toBe(cp.specialIds.endOfTurn);
    expect(ggufNumber(file, "tokenizer.ggml.bos_token_id")).toBe(cp.specialIds.bos);
  });

  it("drops lm_head.weight (tied to token_embd), as llama.cpp does", async () => {
    const root = await scratchDir("lm-head");
    const cp = await writeGemma2Checkpoint(join(root, "m"), { shards: 2, seed: 6 });
    const { hiddenSize, vocabSize } = TINY_SHAPE;
    await writeRawSafetensors(join(cp.dir, "model-lm_head.safetensors"), {
      header: {
        "lm_head.weight": {
          dtype: "BF16",
          shape: [vocabSize, hiddenSize],
          data_offsets: [0, vocabSize * hiddenSize * 2],
        },
      },
      data: new Uint8Array(vocabSize * hiddenSize * 2),
    });
    await editJson(join(cp.dir, "model.safetensors.index.json"), (index) => {
      (index["weight_map"] as Record<string, string>)["lm_head.weight"] = "model-lm_head.safetensors";
    });
    const result = await convertModel({ input: cp.dir, output: join(root, "m.gguf") });
    expect(result.tensors).toBe(2 + 11 * TINY_SHAPE.numLayers);
    expect(result.warnings.join()).toMatch(/dropped lm_head.weight/);
    expect((await readGguf(result.output)).tensors.some((t) => t.name.includes("lm_head"))).toBe(false);
  });

  it("stops on abort, removes the partial output and leaves no temp file", async () => {
    const root = await scratchDir("abort");
    const controller = new AbortController();
    const output = join(root, "out.gguf");
    const error = await convertModel({
      input: bf16.dir,
      output,
      type: "q8_0",
      signal: controller.signal,
      onProgress: (p) => {
        if (p.tensorsDone >= 3) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(isAtlasError(error, "ABORTED")).toBe(true);
    expect(await listDir(root)).toEqual([]);
  });

  it("replaces an existing output atomically", async () => {
    const root = await scratchDir("replace");
    const output = join(root, "m.gguf");
    await convertModel({ input: f32.dir, output, type: "q8_0" });
    const second = await convertModel({ input: f32.dir, output, type: "q4_0" });
    expect(ggufNumber(await readGguf(output), "general.file_type")).toBe(2);
    expect(second.bytes).toBe((await stat(output)).size);
    expect(await readdir(root)).toEqual(["m.gguf"]);
    await rm(root, { recursive: true });
  });
});

describe("inspectModel", () => {
  it("summarizes a GGUF", async () => {
    const s = await inspectModel(join(out, "bf16.gguf"));
    expect(s).toMatchObject({
      format: "gguf",
      ggufVersion: 3,
      architecture: "gemma2",
      fileType: "BF16",
      fileTypeId: 32,
    });
    expect(s.parameters).toBe(gemma2ParameterCount(TINY_SHAPE));
    expect(s.hyperParameters["attention.layer_norm_rms_epsilon"]).toBe(1e-6);
    expect(s.vocab.special).toContainEqual({
      role: "eot",
      id: bf16.specialIds.endOfTurn,
      text: "<end_of_turn>",
    });
    expect(s.vocab.special).toContainEqual({ role: "bos", id: bf16.specialIds.bos, text: "<bos>" });
    expect(s.chatTemplate).toContain("<start_of_turn>");
    expect(s.tensors).toHaveLength(2 + 11 * TINY_SHAPE.numLayers);
  });

  it("summarizes a checkpoint folder with the same hyper-parameters and special tokens", async () => {
    const folder = await inspectModel(bf16.dir);
    const file = await inspectModel(join(out, "bf16.gguf"));
    expect(folder).toMatchObject({ format: "safetensors", architecture: "gemma2", fileType: "BF16" });
    expect(folder.parameters).toBe(file.parameters);
    expect(folder.vocab.special).toEqual(file.vocab.special);
    for (const [key, value] of Object.entries(file.hyperParameters))
      expect(folder.hyperParameters[key]).toBe(value);
  });

  it("says NOT_FOUND for a missing path", async () => {
    await expect(inspectModel(join(out, "nope.gguf"))).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
