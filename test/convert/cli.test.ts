/** `atlas convert` and `atlas inspect` run in-process with a fake IO. */
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { ConvertResult, ModelSummary } from "../../src/convert/index.js";
import { writeGemma2Checkpoint, type WrittenCheckpoint } from "../helpers/tiny-gemma2.js";
import { runCli as runSharedCli } from "../helpers/run-cli.js";
import { listDir, runCli, scratchDir } from "./fixtures.js";

const ARABIC_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}<start_of_turn>{{ message['role'] }}\nمرحبا بيك: {{ message['content'] }}<end_of_turn>\n{% endfor %}";

let cp: WrittenCheckpoint;
let root: string;

beforeAll(async () => {
  root = await scratchDir("cli");
  cp = await writeGemma2Checkpoint(join(root, "Atlas-Tiny"), { chatTemplate: ARABIC_TEMPLATE, seed: 21 });
});

describe("atlas convert", () => {
  it("has help with options and examples", async () => {
    const { code, out } = await runCli(["convert", "--help"]);
    expect(code).toBe(0);
    expect(out).toMatch(/Usage: atlas convert <hf-model-dir> -o <out.gguf>/);
    expect(out).toMatch(/q4_k_m/);
    expect(out).toMatch(/Examples:/);
  });

  it("converts and prints a one-line summary, or the result as JSON", async () => {
    const output = join(root, "plain.gguf");
    let run = await runCli(["convert", cp.dir, "-o", output, "-t", "Q8_0"]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^wrote .*plain\.gguf: Q8_0, .* 24 tensors, .* parameters, vocabulary 640/);
    const jsonOut = join(root, "json.gguf");
    run = await runCli(["convert", cp.dir, "-o", jsonOut, "--json"]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.out) as ConvertResult;
    expect(result).toMatchObject({
      output: jsonOut,
      type: "bf16",
      fileType: 32,
      tensors: 24,
      architecture: "gemma2",
    });
    expect(result.bytes).toBe((await stat(jsonOut)).size);
  });

  it("refuses to overwrite without --force and leaves the file alone", async () => {
    const output = join(root, "existing.gguf");
    await writeFile(output, "keep me");
    const run = await runCli(["convert", cp.dir, "-o", output]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/existing\.gguf already exists: pass --force to replace it/);
    expect(await readFile(output, "utf8")).toBe("keep me");
    expect((await runCli(["convert", cp.dir, "-o", output, "--force"])).code).toBe(0);
    expect((await stat(output)).size).toBeGreaterThan(1000);
  });

  it.each([
    [["convert", "dir"], /missing -o\/--output/],
    [["convert", "-o", "x.gguf"], /give exactly one Hugging Face model folder/],
    [["convert", "dir", "-o", "x.gguf", "--type", "q3_k"], /unknown --type 'q3_k'/],
    [["convert", "dir", "-o", "x.gguf", "--threads", "0"], /--threads must be a positive integer/],
    [["convert", "dir", "-o", "x.gguf", "--bogus"], /Unknown option '--bogus'/],
  ])("rejects bad arguments with exit 2: %j", async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(message);
  });

  it("Ctrl-C (the IO signal) stops with exit 130 and leaves nothing behind", async () => {
    const dir = await scratchDir("ctrl-c");
    const controller = new AbortController();
    controller.abort();
    const run = await runCli(["convert", cp.dir, "-o", join(dir, "m.gguf")], controller.signal);
    expect(run.code).toBe(130);
    expect(run.err).toMatch(/cancelled/);
    expect(await listDir(dir)).toEqual([]);
  });

  it("draws a progress bar on a TTY", async () => {
    const run = await runSharedCli(["convert", cp.dir, "-o", join(root, "tty.gguf"), "-t", "f32"], {
      env: {},
      stderrColumns: 100,
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/converting/);
    expect(run.stderr).toMatch(/tensor \d+\/24/);
  });
});

describe("atlas inspect", () => {
  it("prints a readable summary with Arabic text as-is", async () => {
    const output = join(root, "inspect.gguf");
    expect((await runCli(["convert", cp.dir, "-o", output, "-t", "q8_0"])).code).toBe(0);
    const { code, out } = await runCli(["inspect", output]);
    expect(code).toBe(0);
    expect(out).toMatch(/architecture {2}gemma2/);
    expect(out).toMatch(/file type {5}Q8_0/);
    expect(out).toMatch(/name {10}Atlas-Tiny/);
    expect(out).toMatch(/vocabulary {4}640 tokens \(llama\), add_bos true, add_eos false/);
    expect(out).toMatch(new RegExp(`eot +${cp.specialIds.endOfTurn}  <end_of_turn>`));
    expect(out).toContain("مرحبا بيك: {{ message['content'] }}");
    expect(out).not.toMatch(/token_embd\.weight/);
    expect((await runCli(["inspect", output, "--tensors"])).out).toMatch(
      /token_embd\.weight +Q8_0 +\[64, 640\]/,
    );
  });

  it("prints JSON, for a GGUF and for a checkpoint folder", async () => {
    const output = join(root, "inspect-json.gguf");
    await runCli(["convert", cp.dir, "-o", output]);
    const gguf = JSON.parse((await runCli(["inspect", output, "--json"])).out) as ModelSummary;
    const folder = JSON.parse((await runCli(["inspect", cp.dir, "--json"])).out) as ModelSummary;
    expect(gguf.chatTemplate).toBe(ARABIC_TEMPLATE);
    expect(folder.chatTemplate).toBe(ARABIC_TEMPLATE);
    expect(folder.vocab.special).toEqual(gguf.vocab.special);
    expect(gguf.metadata["general.architecture"]).toBe("gemma2");
    expect(gguf.metadata["tokenizer.ggml.tokens"]).toBe("[640 × string]");
  });

  it("fails with exit 4 on a file that is not a GGUF and exit 3 on a missing one", async () => {
    const bad = join(root, "bad.gguf");
    await writeFile(bad, "definitely not a gguf file");
    const run = await runCli(["inspect", bad]);
    expect(run.code).toBe(4);
    expect(run.err).toMatch(/bad\.gguf: does not start with the GGUF magic bytes/);
    expect((await runCli(["inspect", join(root, "missing.gguf")])).code).toBe(3);
  });

  it("has help with examples", async () => {
    const { out } = await runCli(["inspect", "--help"]);
    expect(out).toMatch(/Usage: atlas inspect <file.gguf \| hf-model-dir>/);
    expect(out).toMatch(/Examples:/);
  });
});
