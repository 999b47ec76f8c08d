/** The `atlas data`, `atlas train config` and `atlas lora` commands, end to end in-process. */
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runCli } from "../helpers/run-cli.js";
import { conversationRows, jsonl } from "../helpers/sft-fixtures.js";
import { tinyModel } from "../helpers/tiny-gguf.js";
import { TINY_SHAPE } from "../helpers/tiny-gemma2.js";
import { writeTinyPeft } from "../helpers/tiny-peft.js";
import { scratchDir } from "../hub/fixtures.js";

let gguf: string;
let data: string;

beforeAll(async () => {
  gguf = await (await tinyModel()).gguf("f32");
  const dir = await scratchDir("tune-cli");
  data = join(dir, "train.jsonl");
  await writeFile(data, jsonl(conversationRows(40, 3)));
});

describe("atlas data / train / lora", () => {
  it("data build prints a summary; data stats checks the shards and prints the distribution", async () => {
    const out = join(await scratchDir("tune-cli-out"), "sft");
    const build = await runCli([
      "data",
      "build",
      "--dataset",
      data,
      "--model",
      gguf,
      "--max-len",
      "384",
      "--val",
      "0.1",
      "--out",
      out,
    ]);
    expect(build.code, build.stderr).toBe(0);
    expect(build.stdout).toMatch(/40 rows read: \d+ kept, \d+ dropped/);
    expect(build.stdout).toMatch(/dropped 1: no assistant turn/);
    expect(build.stdout).toMatch(/validation: \d+ rows/);
    expect(build.stdout).toMatch(/rows\/s, peak RSS/);
    const stats = await runCli(["data", "stats", out]);
    expect(stats.code, stats.stderr).toBe(0);
    expect(stats.stdout).toMatch(/sources:\n\s+alpaca-darija/);
    expect(stats.stdout).toMatch(/train: \d+ rows recorded, \d+ in parquet, \d+ in jsonl — ok/);
    const json = await runCli(["data", "stats", out, "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ version: 1, maxLen: 384, policy: "drop" });
    await writeFile(join(out, "jsonl", "train-00000-of-00001.jsonl"), "{}\n");
    const broken = await runCli(["data", "stats", out]);
    expect(broken.code).toBe(4);
    expect(broken.stderr).toMatch(/records \d+ rows but the parquet shards hold \d+ and the jsonl shards 1/);
  });

  it("data build refuses bad flags with the usage hint", async () => {
    const run = await runCli(["data", "build", "--dataset", data, "--out", "x", "--truncate", "--drop"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--truncate or --drop, not both.*atlas data build --help/);
    expect((await runCli(["data", "frobnicate"])).stderr).toMatch(/unknown subcommand 'frobnicate'/);
  });

  it("train config writes TRL, accelerate FSDP, axolotl configs and the hand-off; unverified values are marked", async () => {
    const out = join(await scratchDir("tune-cli-train"), "sft");
    expect(
      (
        await runCli([
          "data",
          "build",
          "--dataset",
          data,
          "--model",
          gguf,
          "--max-len",
          "384",
          "--val",
          "0.1",
          "--pack",
          "--out",
          out,
        ])
      ).code,
    ).toBe(0);
    const train = join(await scratchDir("tune-cli-train"), "train");
    const run = await runCli([
      "train",
      "config",
      "--recipe",
      "atlas-chat-lora",
      "--model",
      "MBZUAI-Paris/Atlas-Chat-2B",
      "--data",
      out,
      "--out",
      train,
      "--gpus",
      "4",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const trlText = await readFile(join(train, "trl-sft.yaml"), "utf8");
    const trl = parse(trlText) as Record<string, unknown>;
    expect(trl).toMatchObject({
      model_name_or_path: "MBZUAI-Paris/Atlas-Chat-2B",
      dataset_name: out,
      dataset_test_split: "validation",
      use_peft: true,
      lora_r: 256,
      packing: false,
      padding_free: true,
      max_length: null,
      attn_implementation: "flash_attention_2",
    });
    expect(trlText).toMatch(/lora_r: 256 {2}# from the Atlas-Chat card/);
    expect(trlText).toMatch(/lora_alpha: 256 {2}# atlas choice, NOT from the card/);
    expect(trlText).toMatch(/learning_rate: 0\.0001 {2}# atlas choice, NOT from the card/);
    const accelerate = parse(await readFile(join(train, "accelerate-fsdp.yaml"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(accelerate).toMatchObject({ distributed_type: "FSDP", num_processes: 4, mixed_precision: "bf16" });
    expect((accelerate["fsdp_config"] as Record<string, unknown>)["fsdp_transformer_layer_cls_to_wrap"]).toBe(
      "Gemma2DecoderLayer",
    );
    const axolotlText = await readFile(join(train, "axolotl.yaml"), "utf8");
    const axolotl = parse(axolotlText) as Record<string, unknown>;
    expect(axolotl).toMatchObject({
      base_model: "MBZUAI-Paris/Atlas-Chat-2B",
      adapter: "lora",
      lora_r: 256,
      sequence_len: 384,
    });
    expect((axolotl["datasets"] as unknown[])[0]).toMatchObject({ ds_type: "json", type: null });
    expect(axolotlText).toMatch(/WARNING: this build is packed/);
    const launch = await readFile(join(train, "launch.sh"), "utf8");
    expect(launch).toMatch(
      /accelerate launch --config_file accelerate-fsdp\.yaml --num_processes "\$NUM_GPUS"/,
    );
    expect((await stat(join(train, "launch.sh"))).mode & 0o111).not.toBe(0);
    expect(await readFile(join(train, "README.md"), "utf8")).toMatch(
      /atlas lora convert .*checkpoint-N --base MBZUAI-Paris\/Atlas-Chat-2B -o adapter\.gguf/,
    );
    const recipe = JSON.parse(await readFile(join(train, "recipe.json"), "utf8")) as Record<
      string,
      { source: string; value: unknown }
    >;
    expect(recipe["loraRank"]).toMatchObject({ value: 256, source: "card" });
    expect(recipe["learningRate"]!.source).toBe("atlas");
    const again = await runCli([
      "train",
      "config",
      "--recipe",
      "atlas-chat-lora",
      "--model",
      "m",
      "--data",
      out,
      "--out",
      train,
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    expect(
      (await runCli(["train", "config", "--recipe", "nope", "--model", "m", "--data", out, "--out", train]))
        .stderr,
    ).toMatch(/unknown recipe 'nope'/);
  });

  it("lora convert then run --lora then lora merge", async () => {
    const tiny = await tinyModel();
    const dir = await scratchDir("tune-cli-lora");
    const peft = await writeTinyPeft(join(dir, "peft"), TINY_SHAPE);
    const adapter = join(dir, "adapter.gguf");
    expect((await runCli(["lora", "convert", peft.dir, "--base", gguf, "-o", adapter])).code).toBe(0);
    const run = await runCli([
      "run",
      gguf,
      "--lora",
      `${adapter}:0.5`,
      "--max-tokens",
      "4",
      "--temperature",
      "0",
      "salam",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const merged = join(dir, "merged.gguf");
    const merge = await runCli([
      "lora",
      "merge",
      tiny.checkpoint.dir,
      adapter,
      "-o",
      merged,
      "--type",
      "q8_0",
      "--json",
    ]);
    expect(merge.code, merge.stderr).toBe(0);
    expect(JSON.parse(merge.stdout)).toMatchObject({ type: "q8_0", merged: 6 });
  });
});
