import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeRawSafetensors } from "../../test/helpers/safetensors-writer.js";
import { isAtlasError } from "../core/index.js";
import { MAX_SAFETENSORS_HEADER_BYTES, MAX_SAFETENSORS_TENSORS } from "./limits.js";
import { readSafetensorsHeader } from "./safetensors.js";

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = join(process.env["ATLAS_TEST_TMP"]!, "safetensors-unit");
  await mkdir(dir, { recursive: true });
});

async function write(file: Parameters<typeof writeRawSafetensors>[1]): Promise<string> {
  const path = join(dir, `f${counter++}.safetensors`);
  await writeRawSafetensors(path, file);
  return path;
}

async function failure(path: string): Promise<{ code: string; message: string }> {
  try {
    await readSafetensorsHeader(path);
  } catch (error) {
    if (isAtlasError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected an error");
}

describe("readSafetensorsHeader", () => {
  it("reads entries, sorted by name, with absolute offsets", async () => {
    const path = await write({
      header: {
        __metadata__: { format: "pt" },
        "b.weight": { dtype: "F32", shape: [2, 2], data_offsets: [0, 16] },
        "a.weight": { dtype: "BF16", shape: [3], data_offsets: [16, 22] },
        empty: { dtype: "F16", shape: [0, 4], data_offsets: [22, 22] },
      },
      data: new Uint8Array(22),
    });
    const file = await readSafetensorsHeader(path);
    expect(file.metadata).toEqual({ format: "pt" });
    expect(file.tensors.map((t) => t.name)).toEqual(["a.weight", "b.weight", "empty"]);
    const a = file.tensors[0]!;
    const dataStart = file.size - 22;
    expect(a).toMatchObject({ dtype: "BF16", shape: [3], byteLength: 6, byteOffset: dataStart + 16 });
  });

  it("rejects a truncated file, naming the tensor and both sizes", async () => {
    const path = await write({
      header: { w: { dtype: "F32", shape: [4], data_offsets: [0, 16] } },
      data: new Uint8Array(8),
    });
    const error = await failure(path);
    expect(error.code).toBe("INVALID_MODEL");
    expect(error.message).toMatch(
      /file is truncated: tensor 'w' needs bytes up to \d+ but the file has \d+ — re-download it/,
    );
    expect(error.message).toContain(path);
  });

  it("rejects offsets that do not match the shape", async () => {
    const path = await write({
      header: { w: { dtype: "F32", shape: [4], data_offsets: [0, 12] } },
      data: new Uint8Array(16),
    });
    expect((await failure(path)).message).toMatch(
      /tensor 'w': data_offsets \[0, 12\] span 12 bytes but F32 \[4\] needs 16/,
    );
  });

  it("rejects overlapping tensors", async () => {
    const path = await write({
      header: {
        a: { dtype: "F32", shape: [4], data_offsets: [0, 16] },
        b: { dtype: "F32", shape: [4], data_offsets: [8, 24] },
      },
      data: new Uint8Array(24),
    });
    expect((await failure(path)).message).toMatch(/'a' and 'b' overlap/);
  });

  it("rejects a header length larger than the file", async () => {
    const path = await write({
      header: { a: { dtype: "F32", shape: [], data_offsets: [0, 4] } },
      declaredHeaderLength: 5000,
    });
    const error = await failure(path);
    expect(error.code).toBe("INVALID_MODEL");
    expect(error.message).toMatch(/header claims 5000 bytes but the file has only/);
  });

  it("rejects a header length over the 100 MB limit before allocating", async () => {
    const path = await write({ header: {}, declaredHeaderLength: MAX_SAFETENSORS_HEADER_BYTES + 1 });
    expect((await failure(path)).message).toMatch(/more than the 104857600-byte limit/);
  });

  it("rejects a file shorter than the length prefix", async () => {
    const path = await write({ header: {}, truncateTo: 5 });
    expect((await failure(path)).message).toMatch(/too small to be a safetensors file/);
  });

  it("rejects an unknown dtype as UNSUPPORTED, naming dtype and tensor", async () => {
    const path = await write({
      header: { w: { dtype: "F4", shape: [2], data_offsets: [0, 1] } },
      data: new Uint8Array(1),
    });
    const error = await failure(path);
    expect(error.code).toBe("UNSUPPORTED");
    expect(error.message).toMatch(/tensor 'w' has dtype 'F4'/);
  });

  it("rejects more than 8 dims", async () => {
    const path = await write({
      header: { w: { dtype: "U8", shape: [1, 1, 1, 1, 1, 1, 1, 1, 1], data_offsets: [0, 1] } },
      data: new Uint8Array(1),
    });
    expect((await failure(path)).message).toMatch(/has 9 dims, more than the limit of 8/);
  });

  it.each<[unknown[], string]>([
    [[-1], "negative"],
    [[1.5], "fractional"],
    [["2"], "string"],
  ])("rejects a %j shape dim (%s)", async (shape) => {
    const path = await write({
      header: { w: { dtype: "U8", shape, data_offsets: [0, 1] } },
      data: new Uint8Array(1),
    });
    expect((await failure(path)).message).toMatch(/not a non-negative integer/);
  });

  it("rejects bad data_offsets and non-object entries", async () => {
    let path = await write({
      header: { w: { dtype: "U8", shape: [1], data_offsets: [-1, 0] } },
      data: new Uint8Array(1),
    });
    expect((await failure(path)).message).toMatch(/data_offsets must be two non-negative integers/);
    path = await write({ header: { w: 5 } });
    expect((await failure(path)).message).toMatch(/header entry is not an object/);
  });

  it("rejects a header that is not JSON", async () => {
    const path = await write({ header: "{not json" });
    expect((await failure(path)).message).toMatch(/not valid UTF-8 JSON/);
  });

  it("rejects more tensors than the limit", async () => {
    const header: Record<string, unknown> = {};
    for (let i = 0; i <= MAX_SAFETENSORS_TENSORS; i++)
      header[`t${i}`] = { dtype: "U8", shape: [0], data_offsets: [0, 0] };
    const path = await write({ header });
    expect((await failure(path)).message).toMatch(/lists 100001 tensors, more than the limit of 100000/);
  });
});
