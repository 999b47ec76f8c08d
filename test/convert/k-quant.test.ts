/** K-quants: our intermediate GGUF handed to llama.cpp's own quantizer (src/native/quantize.ts). */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { convertModel, ggufNumber, readGguf, type ConvertProgress } from "../../src/convert/index.js";
import { locateLlamaLibrary } from "../../src/native/locate-library.js";
import { MID_SHAPE, writeGemma2Checkpoint, type WrittenCheckpoint } from "../helpers/tiny-gemma2.js";
import { listDir, scratchDir } from "./fixtures.js";

function hasLlamaLibrary(): boolean {
  try {
    locateLlamaLibrary("cpu");
    return true;
  } catch {
    return false;
  }
}

/** llama.cpp's use_more_bits (llama-quant.cpp): the layers Q4_K_M gives Q6_K for attn_v/ffn_down. */
const moreBits = (i: number, n: number): boolean =>
  i < Math.floor(n / 8) || i >= Math.floor((7 * n) / 8) || (i - Math.floor(n / 8)) % 3 === 2;

describe.skipIf(!hasLlamaLibrary())("K-quant conversion through llama.cpp", () => {
  let cp: WrittenCheckpoint;
  let root: string;

  beforeAll(async () => {
    root = await scratchDir("kquant");
    cp = await writeGemma2Checkpoint(join(root, "mid"), { shape: MID_SHAPE, seed: 31, keepWeights: false });
  });

  it("q4_k_m: llama.cpp's type mix, file type 15, temp folder removed", async () => {
    const outDir = join(root, "out");
    const progress: ConvertProgress[] = [];
    const result = await convertModel({
      input: cp.dir,
      output: join(outDir, "mid.q4_k_m.gguf"),
      type: "q4_k_m",
      threads: 2,
      onProgress: (p) => progress.push(p),
    });
    expect(result).toMatchObject({ type: "q4_k_m", fileType: 15, tensors: 2 + 11 * MID_SHAPE.numLayers });
    expect(await listDir(outDir)).toEqual(["mid.q4_k_m.gguf"]);
    const file = await readGguf(result.output);
    expect(ggufNumber(file, "general.file_type")).toBe(15);
    const type = (name: string): number => file.tensors.find((t) => t.name === name)!.type;
    expect(type("token_embd.weight")).toBe(14); // Q6_K: tied embeddings are the output tensor
    expect(type("output_norm.weight")).toBe(0);
    for (let layer = 0; layer < MID_SHAPE.numLayers; layer++) {
      expect(type(`blk.${layer}.attn_q.weight`)).toBe(12); // Q4_K
      expect(type(`blk.${layer}.attn_norm.weight`)).toBe(0);
      expect(type(`blk.${layer}.attn_v.weight`)).toBe(moreBits(layer, MID_SHAPE.numLayers) ? 14 : 12);
    }
    expect(progress.some((p) => p.phase === "convert")).toBe(true);
    const quantize = progress.filter((p) => p.phase === "quantize");
    expect(quantize.at(-1)).toMatchObject({ tensorsDone: result.tensors, tensorsTotal: result.tensors });
    expect(quantize.at(-1)!.bytesDone).toBe(quantize.at(-1)!.bytesTotal);
  });

  it("q6_k with --tmp-dir: the intermediate goes there and is removed", async () => {
    const tmp = join(root, "tmp");
    await mkdir(tmp, { recursive: true });
    const outDir = join(root, "out6");
    const result = await convertModel({
      input: cp.dir,
      output: join(outDir, "mid.q6_k.gguf"),
      type: "q6_k",
      tmpDir: tmp,
    });
    expect(result.fileType).toBe(18);
    expect(await listDir(tmp)).toEqual([]);
    expect(await listDir(outDir)).toEqual(["mid.q6_k.gguf"]);
    const file = await readGguf(result.output);
    expect(file.tensors.find((t) => t.name === "blk.0.ffn_up.weight")!.type).toBe(14);
  });

  it("abort during the K-quant path leaves neither output nor temp folder", async () => {
    const outDir = join(root, "abort");
    const controller = new AbortController();
    const error = await convertModel({
      input: cp.dir,
      output: join(outDir, "x.gguf"),
      type: "q5_k_m",
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === "quantize" || p.tensorsDone > 5) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ABORTED" });
    expect(await listDir(outDir)).toEqual([]);
  });
});
