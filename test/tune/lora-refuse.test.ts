/**
 * Adapters that do not fit their base — wrong rank, wrong shapes, a missing config, another architecture,
 * things GGUF LoRA cannot hold — are refused with a clear AtlasError, and no output file appears.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { isAtlasError, type AtlasErrorCode } from "../../src/core/index.js";
import { GGUF_TYPE } from "../../src/convert/index.js";
import { encodeGgufHeader } from "../../src/convert/gguf-header.js";
import { convertPeftAdapter } from "../../src/tune/index.js";
import { writeFile } from "node:fs/promises";
import { TINY_SHAPE } from "../helpers/tiny-gemma2.js";
import { tinyModel, type TinyModel } from "../helpers/tiny-gguf.js";
import { writeTinyPeft, type TinyPeftOptions } from "../helpers/tiny-peft.js";
import { runCli } from "../helpers/run-cli.js";

let tiny: TinyModel;
let n = 0;
const tmp = (name: string): string =>
  join(process.env["ATLAS_TEST_TMP"]!, `lora-refuse-${process.pid}-${n++}-${name}`);

async function refused(
  options: TinyPeftOptions,
  code: AtlasErrorCode,
  message: RegExp,
  base?: string,
): Promise<void> {
  const peft = await writeTinyPeft(tmp("peft"), TINY_SHAPE, options);
  const output = tmp("out.gguf");
  const error = await convertPeftAdapter({
    adapter: peft.dir,
    base: base ?? tiny.checkpoint.dir,
    output,
  }).catch((e: unknown) => e);
  expect(isAtlasError(error, code), String(error)).toBe(true);
  expect(String(error)).toMatch(message);
  expect(existsSync(output)).toBe(false);
}

describe("adapters that do not fit are refused", () => {
  beforeAll(async () => {
    tiny = await tinyModel({ dtype: "F32" });
  });

  it("a rank other than adapter_config.json's r", async () => {
    await refused({ rank: 4, storedRank: 8 }, "INVALID_MODEL", /rank 8 but adapter_config\.json says r = 4/);
  });

  it("matrices sized for another model", async () => {
    const smaller = { ...TINY_SHAPE, hiddenSize: 32, intermediateSize: 64 };
    const q = { sizeFor: smaller, targets: ["q_proj"] };
    await refused(
      q,
      "INVALID_MODEL",
      /maps 32 → 64 features but the base's blk\.0\.attn_q\.weight maps 64 → 64/,
    );
    await refused(q, "INVALID_MODEL", /another model size/, await tiny.gguf("f32"));
  });

  it("layers the base does not have", async () => {
    await refused(
      { layers: [0, 5], targets: ["q_proj"] },
      "INVALID_MODEL",
      /the base has no blk\.5\.attn_q\.weight \(2 layers\)/,
    );
  });

  it("a missing adapter_config.json", async () => {
    await refused({ config: null }, "NOT_FOUND", /missing adapter_config\.json/);
  });

  it("an adapter of another architecture (GPT-2 style module names)", async () => {
    const bytes = new Uint8Array(4 * 64 * 4);
    await refused(
      {
        targets: [],
        config: { target_modules: ["c_attn"] },
        extraTensors: [
          {
            name: "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight",
            dtype: "F32",
            shape: [4, 64],
            data: () => [bytes],
          },
          {
            name: "base_model.model.transformer.h.0.attn.c_attn.lora_B.weight",
            dtype: "F32",
            shape: [64, 4],
            data: () => [bytes],
          },
        ],
      },
      "UNSUPPORTED",
      /adapts 'transformer\.h\.0\.attn\.c_attn', which a gemma2 model does not have/,
    );
  });

  it("a base of another architecture", async () => {
    const llama = tmp("llama.gguf");
    const header = encodeGgufHeader(
      [{ key: "general.architecture", type: GGUF_TYPE.STRING, value: "llama" }],
      [],
    );
    await writeFile(llama, header.bytes);
    await refused({}, "UNSUPPORTED", /architecture is llama/, llama);
  });

  it("what GGUF LoRA cannot hold: DoRA, biases, per-module ranks, saved modules", async () => {
    await refused({ config: { use_dora: true } }, "UNSUPPORTED", /DoRA/);
    await refused({ config: { bias: "lora_only" } }, "UNSUPPORTED", /trains biases/);
    await refused({ config: { rank_pattern: { q_proj: 8 } } }, "UNSUPPORTED", /rank_pattern/);
    await refused({ config: { modules_to_save: ["lm_head"] } }, "UNSUPPORTED", /modules_to_save/);
  });

  it("modules target_modules does not name", async () => {
    await refused({ config: { target_modules: ["k_proj"] } }, "INVALID_MODEL", /not in target_modules/);
  });

  it("on the command line: exit code and message, no file", async () => {
    const peft = await writeTinyPeft(tmp("cli"), TINY_SHAPE, { rank: 4, storedRank: 2 });
    const output = tmp("cli.gguf");
    const run = await runCli(["lora", "convert", peft.dir, "--base", tiny.checkpoint.dir, "-o", output]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/rank 2 but adapter_config\.json says r = 4/);
    expect(existsSync(output)).toBe(false);
    const ok = await runCli([
      "lora",
      "convert",
      (await writeTinyPeft(tmp("cli-ok"), TINY_SHAPE)).dir,
      "--base",
      tiny.checkpoint.dir,
      "-o",
      output,
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/6 adapted weights, rank 4, alpha 8 → scale 2/);
    const again = await runCli(["lora", "convert", peft.dir, "--base", tiny.checkpoint.dir, "-o", output]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
  });
});
