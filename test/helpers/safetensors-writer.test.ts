import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSafetensors } from "./parse-safetensors.js";
import {
  planShards,
  shardFileName,
  tensorByteLength,
  writeRawSafetensors,
  writeSafetensors,
  writeShardedCheckpoint,
  type TensorSource,
} from "./safetensors-writer.js";

async function scratchDir(): Promise<string> {
  return mkdtemp(join(process.env["ATLAS_TEST_TMP"] ?? tmpdir(), "st-"));
}

/** A tensor whose bytes count 0, 1, 2, … (mod 256), yielded in chunks of `chunk` bytes. */
function counting(name: string, dtype: TensorSource["dtype"], shape: number[], chunk = 7): TensorSource {
  const total = tensorByteLength(dtype, shape);
  return {
    name,
    dtype,
    shape,
    data: function* () {
      for (let at = 0; at < total; at += chunk) {
        const part = new Uint8Array(Math.min(chunk, total - at));
        for (let i = 0; i < part.length; i++) part[i] = (at + i) % 256;
        yield part;
      }
    },
  };
}

describe("writeSafetensors", () => {
  it("writes a header that parses back, 8-aligned, with contiguous offsets and the streamed bytes", async () => {
    const path = join(await scratchDir(), "a.safetensors");
    const tensors = [
      counting("w", "F32", [3, 5]),
      counting("b", "BF16", [7]),
      counting("h", "F16", [2, 2, 2]),
    ];
    const size = await writeSafetensors(path, tensors);
    const parsed = await parseSafetensors(path);
    expect((8 + parsed.headerLength) % 8).toBe(0);
    expect(size).toBe(8 + parsed.headerLength + 60 + 14 + 16);
    expect(parsed.metadata).toEqual({ format: "pt" });
    expect([...parsed.tensors.keys()]).toEqual(["w", "b", "h"]);
    expect(parsed.tensors.get("b")).toEqual({ dtype: "BF16", shape: [7], data_offsets: [60, 74] });
    const header = new TextDecoder().decode((await readFile(path)).subarray(8, 8 + parsed.headerLength));
    // The padding after the JSON is spaces only.
    expect(header.slice(header.lastIndexOf("}") + 1)).toMatch(/^ *$/);
    // Each tensor's bytes restart the 0,1,2… count at its own offset.
    expect([...parsed.data.subarray(60, 64)]).toEqual([0, 1, 2, 3]);
  });

  it("accepts async producers and rejects a producer that yields the wrong byte count", async () => {
    const dir = await scratchDir();
    const asyncTensor: TensorSource = {
      name: "x",
      dtype: "F16",
      shape: [4],
      data: async function* () {
        await Promise.resolve();
        yield new Uint8Array(8).fill(1);
      },
    };
    await writeSafetensors(join(dir, "ok.safetensors"), [asyncTensor]);
    expect((await parseSafetensors(join(dir, "ok.safetensors"))).data).toEqual(new Uint8Array(8).fill(1));

    const short: TensorSource = { ...asyncTensor, data: () => [new Uint8Array(6)] };
    await expect(writeSafetensors(join(dir, "short.safetensors"), [short])).rejects.toThrow(
      /produced 6 bytes, expected 8/,
    );
    const long: TensorSource = { ...asyncTensor, data: () => [new Uint8Array(6), new Uint8Array(6)] };
    await expect(writeSafetensors(join(dir, "long.safetensors"), [long])).rejects.toThrow(/expected 8/);
  });

  it("rejects duplicate names", async () => {
    const path = join(await scratchDir(), "dup.safetensors");
    await expect(
      writeSafetensors(path, [counting("a", "F32", [1]), counting("a", "F32", [1])]),
    ).rejects.toThrow(/duplicate/);
  });
});

describe("writeRawSafetensors", () => {
  it("writes a custom header, a lying header length, raw data and truncation verbatim", async () => {
    const dir = await scratchDir();
    const header = { w: { dtype: "F32", shape: [4], data_offsets: [0, 16] } };
    await writeRawSafetensors(join(dir, "lying.safetensors"), {
      header,
      data: new Uint8Array(8),
      declaredHeaderLength: 1e12,
    });
    const bytes = await readFile(join(dir, "lying.safetensors"));
    expect(bytes.readBigUInt64LE(0)).toBe(1000000000000n);
    const body = JSON.stringify(header);
    const padded = Math.ceil(body.length / 8) * 8;
    expect(bytes.length).toBe(8 + padded + 8);
    expect(bytes.subarray(8, 8 + body.length).toString("utf8")).toBe(body);

    await writeRawSafetensors(join(dir, "raw.safetensors"), { header: "{not json", unpadded: true });
    const raw = await readFile(join(dir, "raw.safetensors"));
    expect(raw.readBigUInt64LE(0)).toBe(9n);
    expect(raw.subarray(8).toString("utf8")).toBe("{not json");

    await writeRawSafetensors(join(dir, "cut.safetensors"), { header, truncateTo: 5 });
    expect((await readFile(join(dir, "cut.safetensors"))).length).toBe(5);
  });
});

describe("writeShardedCheckpoint", () => {
  it("shards=1 writes model.safetensors only", async () => {
    const dir = await scratchDir();
    const result = await writeShardedCheckpoint(dir, [
      counting("a", "F32", [10]),
      counting("b", "F32", [10]),
    ]);
    expect(result.files).toEqual(["model.safetensors"]);
    expect(await readdir(dir)).toEqual(["model.safetensors"]);
    expect(result.totalSize).toBe(80);
  });

  it("shards=N writes N shards split by bytes plus a consistent index", async () => {
    const dir = await scratchDir();
    const tensors = [
      counting("model.embed", "BF16", [100, 8]),
      ...Array.from({ length: 6 }, (_, i) => counting(`model.layers.${i}.w`, "BF16", [20, 8])),
      counting("model.norm", "F32", [8]),
    ];
    const progress: number[] = [];
    const result = await writeShardedCheckpoint(dir, tensors, {
      shards: 3,
      onProgress: (done) => progress.push(done),
    });
    expect(result.files).toEqual([
      shardFileName(0, 3),
      shardFileName(1, 3),
      shardFileName(2, 3),
      "model.safetensors.index.json",
    ]);
    expect(shardFileName(0, 3)).toBe("model-00001-of-00003.safetensors");
    const index = JSON.parse(await readFile(join(dir, "model.safetensors.index.json"), "utf8")) as {
      metadata: { total_size: number };
      weight_map: Record<string, string>;
    };
    const total = tensors.reduce((n, t) => n + tensorByteLength(t.dtype, t.shape), 0);
    expect(index.metadata.total_size).toBe(total);
    expect(Object.keys(index.weight_map)).toEqual(tensors.map((t) => t.name).sort());
    let seen = 0;
    for (const file of result.files.slice(0, 3)) {
      const parsed = await parseSafetensors(join(dir, file));
      expect(parsed.tensors.size).toBeGreaterThan(0);
      for (const name of parsed.tensors.keys()) expect(index.weight_map[name]).toBe(file);
      seen += parsed.tensors.size;
    }
    expect(seen).toBe(tensors.length);
    expect(progress.at(-1)).toBe(total);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it("plans non-empty, ordered, roughly even shards", () => {
    const t = (n: number): Pick<TensorSource, "dtype" | "shape"> => ({ dtype: "F32", shape: [n] });
    const sizes = (groups: Pick<TensorSource, "dtype" | "shape">[][]): number[] =>
      groups.map((g) => g.reduce((n, x) => n + x.shape[0]!, 0));
    expect(sizes(planShards([t(10), t(10), t(10), t(10)], 2))).toEqual([20, 20]);
    expect(sizes(planShards([t(100), t(1), t(1)], 3))).toEqual([100, 1, 1]);
    expect(sizes(planShards([t(1), t(1), t(100)], 2))).toEqual([2, 100]);
    expect(() => planShards([t(1)], 2)).toThrow(/non-empty/);
  });
});
