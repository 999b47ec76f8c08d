import { mkdir, open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeRawSafetensors } from "../../test/helpers/safetensors-writer.js";
import { GGML_TYPE } from "./ggml-types.js";
import type { CheckpointTensor } from "./hf-checkpoint.js";
import { CONVERT_CHUNK_BYTES } from "./limits.js";
import { quantizeQ8_0 } from "./quantize-blocks.js";
import { readSafetensorsHeader } from "./safetensors.js";
import { writeTensorData } from "./tensor-data-writer.js";
import { planTensors } from "./tensor-plan.js";

let dir: string;
beforeAll(async () => {
  dir = join(process.env["ATLAS_TEST_TMP"]!, "tensor-data-unit");
  await mkdir(dir, { recursive: true });
});

describe("writeTensorData", () => {
  it("converts a tensor bigger than one chunk, chunk by chunk, with the same bytes as in one go", async () => {
    // Rows of 1.5 M floats: a 16 MB F32 working set holds 2 of them, so 3 rows take 2 chunks.
    const cols = 1_572_864;
    const rows = 3;
    expect(Math.floor(CONVERT_CHUNK_BYTES / 4 / cols)).toBe(2);
    const values = new Float32Array(rows * cols);
    for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 0.001) * ((i % 97) + 1);
    const source = join(dir, "big.safetensors");
    await writeRawSafetensors(source, {
      header: { w: { dtype: "F32", shape: [rows, cols], data_offsets: [0, values.byteLength] } },
      data: new Uint8Array(values.buffer),
    });
    const header = await readSafetensorsHeader(source);
    const tensor: CheckpointTensor = {
      ...header.tensors[0]!,
      dtype: "F32",
      file: source,
      spec: {
        hfName: "w",
        ggufName: "blk.0.ffn_up.weight",
        shape: [rows, cols],
        isNorm: false,
        isQuery: false,
      },
    };
    const plans = planTensors({
      tensors: [tensor],
      matrixType: GGML_TYPE.Q8_0,
      queryScale: undefined,
      warnings: [],
    });
    const outPath = join(dir, "big.out");
    const out = await open(outPath, "w");
    const chunks: number[] = [];
    try {
      await writeTensorData({
        plans,
        out,
        outPath,
        dataOffset: 0,
        alignment: 32,
        signal: undefined,
        onProgress: (_, bytes) => chunks.push(bytes),
      });
    } finally {
      await out.close();
    }
    const expected = new Uint8Array((values.length / 32) * 34);
    quantizeQ8_0(values, expected);
    const written = await readFile(outPath);
    expect(written.length).toBe(Math.ceil(expected.length / 32) * 32);
    expect(Buffer.from(expected).equals(written.subarray(0, expected.length))).toBe(true);
    expect(chunks.slice(0, 2)).toEqual([(2 * cols * 34) / 32, (3 * cols * 34) / 32]);
  });
});
