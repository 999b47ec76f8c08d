import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gguf } from "@huggingface/gguf";
import { beforeAll, describe, expect, it } from "vitest";
import { isAtlasError } from "../core/index.js";
import { GGML_TYPE } from "./ggml-types.js";
import { encodeGgufHeader } from "./gguf-header.js";
import { ggufArray, ggufNumber, ggufString, readGguf, readGgufTensor } from "./gguf-reader.js";
import { GGUF_TYPE, kv, type GgufKv } from "./gguf-types.js";

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = join(process.env["ATLAS_TEST_TMP"]!, "gguf-unit");
  await mkdir(dir, { recursive: true });
});

const KVS: GgufKv[] = [
  kv.string("general.architecture", "gemma2"),
  { key: "t.u8", type: GGUF_TYPE.UINT8, value: 255 },
  { key: "t.i8", type: GGUF_TYPE.INT8, value: -128 },
  { key: "t.u16", type: GGUF_TYPE.UINT16, value: 65535 },
  { key: "t.i16", type: GGUF_TYPE.INT16, value: -32768 },
  kv.u32("t.u32", 4294967295),
  kv.i32("t.i32", -2147483648),
  kv.f32("t.f32", 0.5),
  kv.bool("t.bool", true),
  kv.string("t.arabic", "السلام عليكم <start_of_turn>"),
  { key: "t.u64", type: GGUF_TYPE.UINT64, value: 2n ** 63n + 5n },
  { key: "t.i64", type: GGUF_TYPE.INT64, value: -(2n ** 62n) },
  { key: "t.f64", type: GGUF_TYPE.FLOAT64, value: Math.PI },
  kv.array("t.strings", GGUF_TYPE.STRING, ["▁مرحبا", "", "<0x0A>"]),
  kv.array("t.floats", GGUF_TYPE.FLOAT32, [-10000, 0.25]),
  kv.array("t.ints", GGUF_TYPE.INT32, [1, -2, 3]),
  kv.array("t.bools", GGUF_TYPE.BOOL, [true, false]),
  kv.array("t.u64s", GGUF_TYPE.UINT64, [1n, 2n]),
  kv.array("t.empty", GGUF_TYPE.UINT8, []),
];

/** Writes header + data (each tensor filled with its index byte) and returns the path. */
async function writeGguf(
  kvs: GgufKv[],
  tensors: Array<{ name: string; ne: number[]; type: number }>,
  patch?: (bytes: Buffer) => Uint8Array,
): Promise<string> {
  const header = encodeGgufHeader(kvs, tensors);
  const data = Buffer.alloc(header.dataBytes);
  header.tensors.forEach((t, i) => data.fill(i + 1, t.offset, t.offset + t.bytes));
  const whole = Buffer.concat([header.bytes, data]);
  const bytes = patch ? patch(whole) : whole;
  const path = join(dir, `m${counter++}.gguf`);
  await writeFile(path, bytes);
  return path;
}

const TENSORS = [
  { name: "a.weight", ne: [64, 3], type: GGML_TYPE.Q8_0 },
  { name: "b.weight", ne: [5], type: GGML_TYPE.F32 },
  { name: "c.weight", ne: [7, 2, 1], type: GGML_TYPE.BF16 },
];

async function failure(path: string): Promise<{ code: string; message: string }> {
  try {
    await readGguf(path);
  } catch (error) {
    if (isAtlasError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected an error");
}

describe("GGUF writer + reader round trip", () => {
  it("reads back every value type, in order, and the tensor infos", async () => {
    const path = await writeGguf(KVS, TENSORS);
    const file = await readGguf(path);
    expect(file.version).toBe(3);
    expect(file.kvs).toEqual(KVS);
    expect(ggufString(file, "t.arabic")).toBe("السلام عليكم <start_of_turn>");
    expect(ggufNumber(file, "t.u32")).toBe(4294967295);
    expect(ggufArray(file, "t.strings")).toEqual(["▁مرحبا", "", "<0x0A>"]);
    expect(file.tensors.map((t) => [t.name, t.ne, t.type, t.bytes])).toEqual([
      ["a.weight", [64, 3], GGML_TYPE.Q8_0, 2 * 34 * 3],
      ["b.weight", [5], GGML_TYPE.F32, 20],
      ["c.weight", [7, 2, 1], GGML_TYPE.BF16, 28],
    ]);
    expect(file.dataOffset % 32).toBe(0);
    for (const t of file.tensors) expect(t.offset % 32).toBe(0);
    const b = await readGgufTensor(file, "b.weight");
    expect(Array.from(b)).toEqual(new Array(20).fill(2));
  });

  it("is parsed identically by @huggingface/gguf (an independent parser)", async () => {
    const path = await writeGguf(KVS, TENSORS);
    const parsed = await gguf(path, { allowLocalFile: true });
    const meta = parsed.metadata as unknown as Record<string, unknown>;
    expect(meta["version"]).toBe(3);
    expect(meta["general.architecture"]).toBe("gemma2");
    expect(meta["t.i8"]).toBe(-128);
    expect(meta["t.u64"]).toBe(2n ** 63n + 5n);
    expect(meta["t.i64"]).toBe(-(2n ** 62n));
    expect(meta["t.arabic"]).toBe("السلام عليكم <start_of_turn>");
    expect(meta["t.strings"]).toEqual(["▁مرحبا", "", "<0x0A>"]);
    expect(meta["t.bools"]).toEqual([true, false]);
    const ours = await readGguf(path);
    expect(Number(parsed.tensorDataOffset)).toBe(ours.dataOffset);
    expect(
      parsed.tensorInfos.map((t) => ({
        name: t.name,
        ne: t.shape.map(Number),
        type: t.dtype,
        offset: Number(t.offset),
      })),
    ).toEqual(ours.tensors.map((t) => ({ name: t.name, ne: t.ne, type: t.type, offset: t.offset })));
  });

  it("honours general.alignment", async () => {
    const path = await writeGguf([kv.u32("general.alignment", 64)], TENSORS);
    const file = await readGguf(path);
    expect(file.alignment).toBe(64);
    expect(file.dataOffset % 32).toBe(0);
  });
});

describe("GGUF writer checks", () => {
  it.each([
    [() => encodeGgufHeader([kv.u32("a", 1), kv.u32("a", 2)], []), /duplicate metadata key 'a'/],
    [() => encodeGgufHeader([], [TENSORS[1]!, TENSORS[1]!]), /duplicate tensor name/],
    [() => encodeGgufHeader([], [{ name: "x".repeat(64), ne: [1], type: 0 }]), /longer than 63 bytes/],
    [() => encodeGgufHeader([], [{ name: "x", ne: [1, 1, 1, 1, 1], type: 0 }]), /has 5 dims/],
    [
      () => encodeGgufHeader([], [{ name: "x", ne: [33], type: GGML_TYPE.Q8_0 }]),
      /not a multiple of the Q8_0 block size/,
    ],
    [() => encodeGgufHeader([{ key: "s", type: GGUF_TYPE.STRING, value: 3 }], []), /not a valid value/],
  ])("rejects bad input %#", (fn, message) => {
    expect(fn).toThrow(message);
  });
});

describe("readGguf on bad input", () => {
  it("rejects a wrong magic and an unsupported version", async () => {
    let path = await writeGguf([], [], (b) => (b.write("XXXX", 0), b));
    expect((await failure(path)).message).toMatch(/does not start with the GGUF magic/);
    path = await writeGguf([], [], (b) => (b.writeUInt32LE(1, 4), b));
    expect(await failure(path)).toMatchObject({ code: "UNSUPPORTED" });
  });

  it("rejects a truncated file, naming what is cut", async () => {
    const path = await writeGguf(KVS, TENSORS, (b) => b.subarray(0, 200));
    expect((await failure(path)).message).toMatch(
      /file is truncated: metadata .* needs bytes up to \d+ but the file has 200/,
    );
  });

  it("rejects tensor data that ends past the end of the file", async () => {
    const path = await writeGguf(KVS, TENSORS, (b) => b.subarray(0, b.length - 40));
    expect((await failure(path)).message).toMatch(/tensor 'c.weight' needs bytes up to \d+ but the file has/);
  });

  it("rejects counts over the limits before reading them", async () => {
    let path = await writeGguf([], [], (b) => (b.writeBigUInt64LE(10n ** 12n, 8), b));
    expect((await failure(path)).message).toMatch(/claims 1000000000000 tensors, more than the limit/);
    path = await writeGguf([], [], (b) => (b.writeBigUInt64LE(10n ** 12n, 16), b));
    expect((await failure(path)).message).toMatch(/metadata entries, more than the limit/);
  });

  it("rejects a string length over the limit and arrays the file cannot hold", async () => {
    let path = await writeGguf([kv.string("k", "v")], [], (b) => (b.writeBigUInt64LE(2n ** 40n, 24), b));
    expect((await failure(path)).message).toMatch(
      /metadata key 0 is 1099511627776 bytes long, more than the/,
    );
    const arr = [kv.array("k", GGUF_TYPE.UINT32, [1, 2])];
    // key (8+1) + type (4) + elem type (4) → count at 24 + 17 = 41
    path = await writeGguf(arr, [], (b) => (b.writeBigUInt64LE(1_000_000n, 41), b));
    expect((await failure(path)).message).toMatch(/metadata 'k' needs at least bytes up to/);
  });

  it("rejects more than 4 dims, unaligned and overlapping offsets, and a bad alignment", async () => {
    const one = [{ name: "t", ne: [8], type: GGML_TYPE.F32 }];
    // tensor info starts at 24: name (8+1), n_dims at 33
    let path = await writeGguf([], one, (b) => (b.writeUInt32LE(5, 33), b));
    expect((await failure(path)).message).toMatch(/tensor 't' has 5 dims; GGUF allows 1 to 4/);
    path = await writeGguf([], one, (b) => (b.writeBigUInt64LE(8n, 33 + 4 + 8 + 4), b));
    expect((await failure(path)).message).toMatch(/offset 8 is not a multiple of the alignment 32/);
    const two = [
      { name: "t", ne: [16], type: GGML_TYPE.F32 },
      { name: "u", ne: [8], type: GGML_TYPE.F32 },
    ];
    path = await writeGguf([], two, (b) => (b.writeBigUInt64LE(32n, 33 + 4 + 8 + 4), b));
    expect((await failure(path)).message).toMatch(/overlap/);
    // "general.alignment" KV: key at 24 (8 + 17 bytes), type at 49, value at 53.
    path = await writeGguf([kv.u32("general.alignment", 32)], one, (b) => (b.writeUInt32LE(24, 53), b));
    expect((await failure(path)).message).toMatch(/general.alignment must be a u32 power of two/);
  });

  it("names a missing tensor in readGgufTensor", async () => {
    const file = await readGguf(await writeGguf([], TENSORS));
    await expect(readGgufTensor(file, "nope")).rejects.toThrow(/no tensor 'nope'/);
  });
});
