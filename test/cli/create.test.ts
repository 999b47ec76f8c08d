/**
 * `atlas create`, end to end on generated tiny models: the model card's three commands with `atlas` in
 * place of `ollama` (real processes, in the folder the card's commands run in), then what a created model
 * brings to `atlas run`, `show`, `list` and `rm`, and the refusals.
 */
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadModel } from "../../src/api/index.js";
import { parseModelfile } from "../../src/store/index.js";
import { runCli } from "../helpers/run-cli.js";
import { spawnCli } from "../helpers/spawn-cli.js";
import { TINY_SHAPE, writeGemma2Checkpoint } from "../helpers/tiny-gemma2.js";
import { writeTinyPeft } from "../helpers/tiny-peft.js";
import { tinyModel } from "../helpers/tiny-gguf.js";
import { scratchDir } from "../hub/fixtures.js";

/**
 * A `modelfile` written like the one every Atlas-Chat repository ships (182 bytes there; its exact text is
 * not public — docs/create.md): FROM the folder it sits in, a Gemma-2 TEMPLATE, the two stop strings.
 * This one is 180 bytes.
 */
const CARD_MODELFILE = `FROM .
TEMPLATE """<start_of_turn>user
{{ .Prompt }}<end_of_turn>
<start_of_turn>model
{{ .Response }}<end_of_turn>
"""
PARAMETER stop <start_of_turn>
PARAMETER stop <end_of_turn>
`;

const QUESTION = "شنو كيتسمى المنتخب المغربي ؟";
const FAST = ["--gpu", "cpu", "--threads", "2"];

async function createdFiles(atlasHome: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.name === ".locks") continue;
      if (e.isDirectory()) await walk(join(dir, e.name));
      else out.push(join(dir, e.name));
    }
  };
  await walk(join(atlasHome, "created"));
  return out;
}

describe("the model card's flow, with atlas in place of ollama", () => {
  let root: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    root = await scratchDir("card");
    // What `huggingface-cli download MBZUAI-Paris/Atlas-Chat-2B --local-dir Atlas-Chat-2B/` leaves.
    await writeGemma2Checkpoint(join(root, "Atlas-Chat-2B"), { seed: 9 });
    await writeFile(join(root, "Atlas-Chat-2B", "modelfile"), CARD_MODELFILE);
    env = { ATLAS_HOME: join(root, "atlas-home") };
  });

  it("atlas create Atlas-Chat-2B -f Atlas-Chat-2B/modelfile, then atlas run Atlas-Chat-2B", async () => {
    expect(Buffer.byteLength(CARD_MODELFILE)).toBe(180);
    const created = await spawnCli(["create", "Atlas-Chat-2B", "-f", "Atlas-Chat-2B/modelfile"], {
      cwd: root,
      env,
    });
    expect(created.stderr).toMatch(/converting model/);
    expect(created.stderr).toMatch(/warning: the TEMPLATE never writes \{\{ \.System \}\}/);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(
      /^created Atlas-Chat-2B:latest \(q4_k_m, [\d.]+ [KM]B\): its TEMPLATE, parameters stop\n/,
    );

    // The name wins over the folder of the same name in this directory: the created model runs.
    const prompt = await spawnCli(["run", "Atlas-Chat-2B", QUESTION, "--print-prompt"], { cwd: root, env });
    expect(prompt.code).toBe(0);
    expect(prompt.stdout).toBe(`<bos><start_of_turn>user\n${QUESTION}<end_of_turn>\n<start_of_turn>model\n`);

    const run = await spawnCli(["run", "Atlas-Chat-2B", QUESTION, "--json", "--max-tokens", "8", ...FAST], {
      cwd: root,
      env,
    });
    expect(run.code).toBe(0);
    const reply = JSON.parse(run.stdout) as { path: string; tokens: number[]; reply: string };
    expect(reply.path).toContain(join("atlas-home", "created", "objects"));
    expect(reply.tokens.length).toBeGreaterThan(0);

    const list = await runCli(["list"], { env });
    expect(list.stdout).toMatch(/\nAtlas-Chat-2B:latest\s+created\s+-\s+q4_k_m\s/);
  });
});

describe("what a created model brings to atlas run, show, list and rm", () => {
  let gguf: string;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    gguf = await (await tinyModel()).gguf("q8_0");
    dir = await scratchDir("create-cli");
    env = { ATLAS_HOME: join(dir, "atlas") };
    await writeFile(
      join(dir, "Modelfile"),
      `# a Darija tutor
FROM ${gguf}
SYSTEM """جاوب ديما بالدارجة."""
MESSAGE user salam
MESSAGE assistant wa 3alikoum salam
PARAMETER temperature 0
PARAMETER num_predict 3
PARAMETER num_ctx 256
LICENSE """Gemma Terms of Use
https://ai.google.dev/gemma/terms"""
`,
    );
    const created = await runCli(["create", "tutor", "-f", join(dir, "Modelfile")], { env });
    expect(created.stderr).toBe("writing manifest\n");
    expect(created.code).toBe(0);
  });

  it("--print-prompt shows the SYSTEM folded into the first turn and the MESSAGE history", async () => {
    const r = await runCli(["run", "tutor", "labas?", "--print-prompt"], { env });
    expect(r.stdout).toBe(
      "<bos><start_of_turn>user\nجاوب ديما بالدارجة.\n\nsalam<end_of_turn>\n<start_of_turn>model\nwa 3alikoum salam<end_of_turn>\n" +
        "<start_of_turn>user\nlabas?<end_of_turn>\n<start_of_turn>model\n",
    );
    const own = await runCli(["run", "tutor", "labas?", "--system", "Be brief.", "--print-prompt"], { env });
    expect(own.stdout).toMatch(/^<bos><start_of_turn>user\nBe brief\.\n\nsalam<end_of_turn>/);
  });

  it("runs with its parameters (num_predict 3, temperature 0, num_ctx 256); flags win", async () => {
    const first = await runCli(["run", "tutor", "labas?", "--json", "-v", ...FAST], { env });
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/, context 256\n/);
    const a = JSON.parse(first.stdout) as {
      tokens: number[];
      finish_reason: string;
      stats: { contextSize?: number };
    };
    expect(a.tokens).toHaveLength(3);
    expect(a.finish_reason).toBe("length");
    const again = JSON.parse(
      (await runCli(["run", "tutor", "labas?", "--json", ...FAST], { env })).stdout,
    ) as {
      tokens: number[];
    };
    expect(again.tokens).toEqual(a.tokens);
    const longer = JSON.parse(
      (await runCli(["run", "tutor", "labas?", "--json", "--max-tokens", "5", ...FAST], { env })).stdout,
    ) as { tokens: number[] };
    expect(longer.tokens.slice(0, 3)).toEqual(a.tokens);
    expect(longer.tokens).toHaveLength(5);
  });

  it("show --modelfile writes a Modelfile that reads back to the same model", async () => {
    const r = await runCli(["show", "tutor", "--modelfile"], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^# Modelfile generated by "atlas show"\n# To build a new Modelfile based on this, replace FROM with:\n# FROM tutor:latest\n\nFROM \//,
    );
    const commands = parseModelfile(r.stdout).commands.map(({ name, args }) => ({ name, args }));
    expect(commands.slice(1)).toEqual([
      { name: "system", args: "جاوب ديما بالدارجة." },
      { name: "temperature", args: "0" },
      { name: "num_predict", args: "3" },
      { name: "num_ctx", args: "256" },
      { name: "license", args: "Gemma Terms of Use\nhttps://ai.google.dev/gemma/terms" },
      { name: "message", args: "user: salam" },
      { name: "message", args: "assistant: wa 3alikoum salam" },
    ]);
    expect((await runCli(["show", "tutor", "--parameters"], { env })).stdout).toBe(
      `${"temperature".padEnd(30)} 0\n${"num_predict".padEnd(30)} 3\n${"num_ctx".padEnd(30)} 256\n`,
    );
    expect((await runCli(["show", "tutor", "--system"], { env })).stdout).toBe("جاوب ديما بالدارجة.");
    const info = await runCli(["show", "tutor"], { env });
    expect(info.stdout).toMatch(/ {2}Model\n {4}architecture\s+gemma2\n/);
    expect(info.stdout).toMatch(/ {2}System\n {4}جاوب ديما بالدارجة\./);
    expect((await runCli(["show", "tutor", "--system", "--license"], { env })).code).toBe(2);
  });

  it("list shows it; rm removes it", async () => {
    await runCli(["create", "to-remove", "-f", join(dir, "Modelfile")], { env });
    const listed = JSON.parse((await runCli(["list", "--json"], { env })).stdout) as {
      id: string;
      kind: string;
    }[];
    expect(listed.filter((m) => m.kind === "created").map((m) => m.id)).toEqual([
      "to-remove:latest",
      "tutor:latest",
    ]);
    const rm = await runCli(["rm", "to-remove"], { env });
    expect(rm.stdout).toMatch(/^removed to-remove:latest/);
    expect((await runCli(["run", "to-remove", "x", "--print-prompt"], { env })).code).toBe(2);
  });
});

describe("atlas create with ADAPTER", () => {
  it("converts a PEFT adapter folder next to the Modelfile, checked against the FROM checkpoint", async () => {
    const dir = await scratchDir("create-peft");
    await writeGemma2Checkpoint(join(dir, "base"), { seed: 4 });
    await writeTinyPeft(join(dir, "darija-lora"), TINY_SHAPE);
    await writeFile(join(dir, "Modelfile"), "FROM ./base\nADAPTER ./darija-lora\n");
    const env = { ATLAS_HOME: join(dir, "atlas") };
    const r = await runCli(
      ["create", "with-lora", "-f", join(dir, "Modelfile"), "--quant", "q8_0", "--json"],
      { env },
    );
    expect(r.code).toBe(0);
    const made = JSON.parse(r.stdout) as { adapters: string[]; quant: string };
    expect(made).toMatchObject({ quant: "q8_0" });
    expect(made.adapters).toHaveLength(1);
    const run = await runCli(
      ["run", "with-lora", "salam", "--max-tokens", "2", "--temperature", "0", ...FAST],
      { env },
    );
    expect(run.code).toBe(0);
    // The adapter is loaded with the model.
    const model = await loadModel("with-lora", { env, gpu: "cpu", sequences: 1, contextSize: 64 });
    try {
      expect(model.info.lora).toEqual([{ path: made.adapters[0] }]);
    } finally {
      await model.dispose();
    }
  });
});

describe("atlas create refuses bad input with a clear error, a non-zero exit and nothing in the store", () => {
  it.each([
    [
      "an unknown instruction",
      "FROM {gguf}\nSYSTEM ok\nPARAMS temperature 1\n",
      2,
      /Modelfile line 3: 'PARAMS' is not an instruction/,
    ],
    [
      "a FROM that does not exist",
      "FROM ./missing-model.gguf\n",
      3,
      /FROM \.\/missing-model\.gguf: no such file or folder — fix the path/,
    ],
    [
      "a non-Gemma TEMPLATE",
      'FROM {gguf}\nTEMPLATE "### User: {{ .Prompt }} ### Bot: {{ .Response }}"\n',
      2,
      /line 2: TEMPLATE is not Gemma's chat format.*remove the TEMPLATE to use the model's own chat template/,
    ],
    [
      "an unsupported PARAMETER",
      "FROM {gguf}\nPARAMETER mirostat_tau 5\nPARAMETER num_keep 4\n",
      2,
      /line 3: parameter num_keep is not supported/,
    ],
    [
      "a PARAMETER of the wrong type",
      "FROM {gguf}\nPARAMETER top_k many\n",
      2,
      /invalid int value \[many\] for parameter top_k/,
    ],
    ["no FROM", "SYSTEM hi\n", 2, /no FROM line/],
  ])("%s", async (_label, text, code, message) => {
    const gguf = await (await tinyModel()).gguf("q8_0");
    const dir = await scratchDir("create-bad");
    const env = { ATLAS_HOME: join(dir, "atlas") };
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "Modelfile"), text.replace("{gguf}", gguf));
    const r = await runCli(["create", "bad", "-f", join(dir, "Modelfile")], { env });
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(await createdFiles(env.ATLAS_HOME)).toEqual([]);
  });

  it("a missing Modelfile, and --quant for a GGUF", async () => {
    const dir = await scratchDir("create-bad");
    const env = { ATLAS_HOME: join(dir, "atlas") };
    const missing = await runCli(["create", "x", "-f", join(dir, "nope")], { env });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/specified Modelfile wasn't found/);
    const gguf = await (await tinyModel()).gguf("q8_0");
    await writeFile(join(dir, "Modelfile"), `FROM ${gguf}\n`);
    const quant = await runCli(["create", "x", "-f", join(dir, "Modelfile"), "--quant", "q8_0"], { env });
    expect(quant.code).toBe(5);
    expect(quant.stderr).toMatch(/quantize q8_0 applies only when FROM is a checkpoint/);
    expect(await createdFiles(env.ATLAS_HOME)).toEqual([]);
  });
});
