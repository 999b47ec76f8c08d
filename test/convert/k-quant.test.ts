/**
 * K-quants in one pass (llama.cpp's tensor-type rules + its `ggml_quantize_chunk`), checked against
 * llama.cpp's own `llama_model_quantize` run on a BF16 GGUF of the same checkpoint: same tensor types,
 * same bytes, same file type.
 */
import { open } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  convertModel,
  ggufNumber,
  readGguf,
  type ConvertProgress,
  type GgufFile,
} from "../../src/convert/index.js";
import { fileTypeId } from "../../src/core/index.js";
import { locateLlamaLibrary } from "../../src/native/locate-library.js";
import { quantizeGguf } from "../../src/native/quantize.js";
import {
  MID_SHAPE,
  TINY_SHAPE,
  writeGemma2Checkpoint,
  type WrittenCheckpoint,
} from "../helpers/tiny-gemma2.js";
import { listDir, scratchDir } from "./fixtures.js";

function hasLlamaLibrary(): boolean {
  try {
    locateLlamaLibrary("cpu");
    return true;
  } catch {
    return false;
  }
}

async function tensorBytes(file: GgufFile, name: string): Promise<Buffer> {
  const t = file.tensors.find((x) => x.name === name)!;
  const handle = await open(file.path, "r");
  try {
    const buffer = Buffer.alloc(t.bytes);
    await handle.read(buffer, 0, t.bytes, file.dataOffset + t.offset);
    return buffer;
  } finally {
    await handle.close();
  }
}

/** Every tensor's type and bytes, and the file type, equal between two GGUFs. */
async function expectSameModel(ours: string, reference: string): Promise<void> {
  const a = await readGguf(ours);
  const b = await readGguf(reference);
  expect(ggufNumber(a, "general.file_type")).toBe(ggufNumber(b, "general.file_type"));
  expect(ggufNumber(a, "general.quantization_version")).toBe(2);
  // llama.cpp writes the tensors sorted by layer then name; the order in the file does not matter.
  const byName = (f: GgufFile): unknown[] =>
    [...f.tensors].sort((x, y) => x.name.localeCompare(y.name)).map((t) => [t.name, t.type, t.ne]);
  expect(byName(a)).toEqual(byName(b));
  for (const t of a.tensors) {
    const same = (await tensorBytes(a, t.name)).equals(await tensorBytes(b, t.name));
    expect(same, `${t.name} bytes`).toBe(true);
  }
}

describe.skipIf(!hasLlamaLibrary())("K-quant conversion, one pass, identical to llama-quantize", () => {
  let mid: WrittenCheckpoint;
  let tiny: WrittenCheckpoint;
  let root: string;
  const reference: Record<string, string> = {};

  beforeAll(async () => {
    root = await scratchDir("kquant");
    mid = await writeGemma2Checkpoint(join(root, "mid"), { shape: MID_SHAPE, seed: 31, keepWeights: false });
    tiny = await writeGemma2Checkpoint(join(root, "tiny"), {
      shape: TINY_SHAPE,
      seed: 5,
      keepWeights: false,
    });
    for (const [name, cp] of [
      ["mid", mid],
      ["tiny", tiny],
    ] as const) {
      const bf16 = join(root, `${name}.bf16.gguf`);
      await convertModel({ input: cp.dir, output: bf16, type: "bf16" });
      for (const type of ["q4_k_m", "q5_k_m", "q6_k"] as const) {
        const out = join(root, `${name}.ref.${type}.gguf`);
        await quantizeGguf({ input: bf16, output: out, ftype: fileTypeId(type)!, threads: 2 });
        reference[`${name}.${type}`] = out;
      }
    }
  });

  it.each(["q4_k_m", "q5_k_m", "q6_k"] as const)(
    "%s on a 4 M-parameter model: same types and bytes as llama.cpp's quantizer",
    async (type) => {
      const outDir = join(root, `out-${type}`);
      const progress: ConvertProgress[] = [];
      const result = await convertModel({
        input: mid.dir,
        output: join(outDir, `mid.${type}.gguf`),
        type,
        threads: 2,
        onProgress: (p) => progress.push(p),
      });
      expect(result).toMatchObject({
        type,
        fileType: fileTypeId(type),
        tensors: 2 + 11 * MID_SHAPE.numLayers,
      });
      expect(await listDir(outDir)).toEqual([`mid.${type}.gguf`]);
      await expectSameModel(result.output, reference[`mid.${type}`]!);
      expect(progress.at(-1)).toMatchObject({ tensorsDone: result.tensors, tensorsTotal: result.tensors });
      expect(progress.at(-1)!.bytesDone).toBe(progress.at(-1)!.bytesTotal);
    },
  );

  it.each(["q4_k_m", "q5_k_m", "q6_k"] as const)(
    "%s on a tiny model whose rows fit no K-quant block: the same fallbacks as llama.cpp",
    async (type) => {
      const result = await convertModel({ input: tiny.dir, output: join(root, `tiny.${type}.gguf`), type });
      await expectSameModel(result.output, reference[`tiny.${type}`]!);
    },
  );

  it("abort during the K-quant conversion leaves no output", async () => {
    const outDir = join(root, "abort");
    const controller = new AbortController();
    const error = await convertModel({
      input: mid.dir,
      output: join(outDir, "x.gguf"),
      type: "q5_k_m",
      signal: controller.signal,
      onProgress: (p) => {
        if (p.tensorsDone > 5) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ABORTED" });
    expect(await listDir(outDir)).toEqual([]);
  });
});
