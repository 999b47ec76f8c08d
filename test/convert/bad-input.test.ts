/**
 * Bad input through the CLI: every case must fail with a message naming the file and the problem, the
 * exit code of its error family, and leave no output (nor temp file) behind.
 */
import { cp, open, rm, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeGemma2Checkpoint, type WrittenCheckpoint } from "../helpers/tiny-gemma2.js";
import { editJson, editSafetensorsHeader, listDir, runCli, scratchDir } from "./fixtures.js";

let oneShard: WrittenCheckpoint;
let twoShards: WrittenCheckpoint;
let f32: WrittenCheckpoint;

beforeAll(async () => {
  const root = await scratchDir("bad-sources");
  [oneShard, twoShards, f32] = await Promise.all([
    writeGemma2Checkpoint(join(root, "one"), { shards: 1, seed: 11 }),
    writeGemma2Checkpoint(join(root, "two"), { shards: 2, seed: 12 }),
    writeGemma2Checkpoint(join(root, "f32"), { shards: 1, dtype: "F32", seed: 13 }),
  ]);
});

/** Copies `source` to a fresh folder, lets `damage` break it, converts it and checks the failure. */
async function expectFailure(
  source: WrittenCheckpoint,
  damage: (dir: string) => Promise<void>,
  expected: { code: number; message: RegExp },
): Promise<string> {
  const root = await scratchDir("bad");
  const dir = join(root, "model");
  await cp(source.dir, dir, { recursive: true });
  await damage(dir);
  const outDir = join(root, "out");
  const { code, out, err } = await runCli([
    "convert",
    dir,
    "-o",
    join(outDir, "model.gguf"),
    "--type",
    "q8_0",
  ]);
  expect(err).toMatch(expected.message);
  expect(err).toMatch(/^error: /);
  expect(code).toBe(expected.code);
  expect(out).toBe("");
  const left = await listDir(outDir).catch(() => []);
  expect(left).toEqual([]);
  return err;
}

const SINGLE = "model.safetensors";

describe("atlas convert on bad input", () => {
  it("truncated safetensors → exit 4, naming the tensor, both sizes and the fix", async () => {
    let size = 0;
    const err = await expectFailure(
      oneShard,
      async (d) => {
        size = (await stat(join(d, SINGLE))).size - 1000;
        await truncate(join(d, SINGLE), size);
      },
      {
        code: 4,
        message:
          /model\.safetensors: file is truncated: tensor '.+' needs bytes up to \d+ but the file has \d+ — re-download it/,
      },
    );
    expect(err).toContain(`but the file has ${size} `);
    expect(err).not.toMatch(/internal error/);
  });

  it("offsets that lie about the size → exit 4", async () => {
    await expectFailure(
      oneShard,
      (d) =>
        editSafetensorsHeader(join(d, SINGLE), (h) => {
          const entry = h["model.norm.weight"] as { data_offsets: number[] };
          entry.data_offsets[1] = entry.data_offsets[1]! - 2;
        }),
      {
        code: 4,
        message:
          /model\.safetensors: tensor 'model\.norm\.weight': data_offsets .* span \d+ bytes but BF16 \[64\] needs 128/,
      },
    );
  });

  it("overlapping tensors → exit 4", async () => {
    await expectFailure(
      oneShard,
      (d) =>
        editSafetensorsHeader(join(d, SINGLE), (h) => {
          const a = h["model.layers.0.input_layernorm.weight"] as { data_offsets: number[] };
          (h["model.layers.1.input_layernorm.weight"] as { data_offsets: number[] }).data_offsets = [
            ...a.data_offsets,
          ];
        }),
      {
        code: 4,
        message:
          /model\.safetensors: tensors '.*input_layernorm.weight' and '.*input_layernorm.weight' overlap/,
      },
    );
  });

  it("a header length larger than the file → exit 4", async () => {
    await expectFailure(
      oneShard,
      async (d) => {
        const prefix = Buffer.alloc(8);
        prefix.writeBigUInt64LE(50_000_000n);
        const handle = await open(join(d, SINGLE), "r+");
        await handle.write(prefix, 0, 8, 0);
        await handle.close();
      },
      {
        code: 4,
        message: /model\.safetensors: safetensors header claims 50000000 bytes but the file has only \d+/,
      },
    );
  });

  it("a header over the 100 MB limit → exit 4 without allocating it", async () => {
    await expectFailure(
      oneShard,
      async (d) => {
        const prefix = Buffer.alloc(8);
        prefix.writeBigUInt64LE(2n ** 40n);
        await writeFile(join(d, SINGLE), prefix);
      },
      { code: 4, message: /header claims 1099511627776 bytes, more than the 104857600-byte limit/ },
    );
  });

  it("more than 8 dims → exit 4", async () => {
    await expectFailure(
      oneShard,
      (d) =>
        editSafetensorsHeader(join(d, SINGLE), (h) => {
          (h["model.norm.weight"] as { shape: number[] }).shape = [1, 1, 1, 1, 1, 1, 1, 1, 64];
        }),
      { code: 4, message: /tensor 'model\.norm\.weight' has 9 dims, more than the limit of 8/ },
    );
  });

  it("more tensors than the limit → exit 4", async () => {
    await expectFailure(
      oneShard,
      (d) =>
        editSafetensorsHeader(join(d, SINGLE), (h) => {
          for (let i = 0; i < 100_001; i++)
            h[`extra.${i}`] = { dtype: "U8", shape: [0], data_offsets: [0, 0] };
        }),
      { code: 4, message: /lists 100\d{3} tensors, more than the limit of 100000/ },
    );
  });

  it("an I32 weight → exit 5 (UNSUPPORTED), naming dtype and tensor", async () => {
    await expectFailure(
      f32,
      (d) =>
        editSafetensorsHeader(join(d, SINGLE), (h) => {
          (h["model.layers.0.mlp.up_proj.weight"] as { dtype: string }).dtype = "I32";
        }),
      {
        code: 5,
        message:
          /model\.safetensors: tensor 'model\.layers\.0\.mlp\.up_proj\.weight' has dtype I32 — atlas converts F32, F16 and BF16/,
      },
    );
  });

  it("another architecture → exit 5, naming it and what is supported", async () => {
    await expectFailure(
      oneShard,
      (d) =>
        editJson(join(d, "config.json"), (c) => {
          c["architectures"] = ["LlamaForCausalLM"];
          c["model_type"] = "llama";
        }),
      {
        code: 5,
        message: /config\.json: architecture LlamaForCausalLM is not supported — atlas converts Gemma-2/,
      },
    );
  });

  it("weights that do not match config.json → exit 4", async () => {
    await expectFailure(
      oneShard,
      (d) => editJson(join(d, "config.json"), (c) => (c["intermediate_size"] = 96)),
      {
        code: 4,
        message:
          /tensor 'model\.layers\.0\.mlp\.down_proj\.weight' has shape \[64,128\] but config\.json implies \[64,96\]/,
      },
    );
  });

  it("a missing tokenizer → exit 3", async () => {
    await expectFailure(oneShard, (d) => rm(join(d, "tokenizer.model")), {
      code: 3,
      message: /model: missing tokenizer\.model \(and tokenizer\.json\)/,
    });
  });

  it("a corrupt tokenizer.model → exit 4", async () => {
    await expectFailure(oneShard, (d) => truncate(join(d, "tokenizer.model"), 100), {
      code: 4,
      message: /tokenizer\.model: is not a valid SentencePiece model/,
    });
  });

  it("a missing shard → exit 3, naming the shard", async () => {
    await expectFailure(twoShards, (d) => rm(join(d, "model-00002-of-00002.safetensors")), {
      code: 3,
      message:
        /missing shard model-00002-of-00002\.safetensors \(listed in model\.safetensors\.index\.json\)/,
    });
  });

  it("an index that lists a tensor no shard holds → exit 4", async () => {
    await expectFailure(
      twoShards,
      (d) =>
        editJson(join(d, "model.safetensors.index.json"), (i) => {
          (i["weight_map"] as Record<string, string>)["model.extra.weight"] =
            "model-00001-of-00002.safetensors";
        }),
      {
        code: 4,
        message:
          /tensor 'model\.extra\.weight' is listed in model\.safetensors\.index\.json but missing from/,
      },
    );
  });

  it("an index naming a path outside the folder → exit 4", async () => {
    await expectFailure(
      twoShards,
      (d) =>
        editJson(join(d, "model.safetensors.index.json"), (i) => {
          (i["weight_map"] as Record<string, string>)["model.norm.weight"] = "../elsewhere.safetensors";
        }),
      {
        code: 4,
        message:
          /weight_map entry 'model\.norm\.weight' names "\.\.\/elsewhere\.safetensors", not a file name/,
      },
    );
  });

  it("a missing config.json or folder → exit 3", async () => {
    await expectFailure(oneShard, (d) => rm(join(d, "config.json")), {
      code: 3,
      message: /missing config\.json/,
    });
    const { code, err } = await runCli(["convert", "/nonexistent/model", "-o", "/tmp/x.gguf"]);
    expect(code).toBe(3);
    expect(err).toMatch(/\/nonexistent\/model: no such model folder/);
  });

  it("an unwritable output path → exit 6 and nothing written", async () => {
    const root = await scratchDir("unwritable");
    const blocker = join(root, "file");
    await writeFile(blocker, "not a folder");
    const { code, err } = await runCli(["convert", oneShard.dir, "-o", join(blocker, "sub", "m.gguf")]);
    expect(code).toBe(6);
    expect(err).toMatch(/cannot create the output folder \(ENOTDIR\)/);
    expect(await listDir(root)).toEqual(["file"]);
  });
});
