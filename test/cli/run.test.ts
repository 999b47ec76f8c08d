/** `atlas run` end to end on a generated tiny model. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { tinyModel } from "../helpers/tiny-gguf.js";

let gguf: string;
const FAST = ["--gpu", "cpu", "--ctx-size", "256", "--threads", "2"];

beforeAll(async () => {
  gguf = await (await tinyModel()).gguf("q8_0");
});

describe("atlas run", () => {
  it("--print-prompt prints the exact Gemma prompt and exits", async () => {
    const r = await runCli(["run", gguf, "شنو كيتسمى المنتخب المغربي ؟", "--print-prompt"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      "<bos><start_of_turn>user\nشنو كيتسمى المنتخب المغربي ؟<end_of_turn>\n<start_of_turn>model\n",
    );
  });

  it("--print-prompt folds --system into the first user turn", async () => {
    const r = await runCli(["run", gguf, "salam", "--system", "جاوب بالدارجة.", "--print-prompt"]);
    expect(r.stdout).toBe(
      "<bos><start_of_turn>user\nجاوب بالدارجة.\n\nsalam<end_of_turn>\n<start_of_turn>model\n",
    );
  });

  it("--messages replays a conversation file", async () => {
    const file = join(process.env["ATLAS_TEST_TMP"]!, `conversation-${process.pid}.json`);
    await writeFile(
      file,
      JSON.stringify([
        { role: "user", content: "salam" },
        { role: "assistant", content: "wa 3alikoum salam" },
        { role: "user", content: "labas?" },
      ]),
    );
    const r = await runCli(["run", gguf, "--messages", file, "--print-prompt"]);
    expect(r.stdout).toBe(
      "<bos><start_of_turn>user\nsalam<end_of_turn>\n<start_of_turn>model\nwa 3alikoum salam<end_of_turn>\n<start_of_turn>user\nlabas?<end_of_turn>\n<start_of_turn>model\n",
    );
  });

  it("streams a greedy reply that equals the --json reply, deterministically", async () => {
    const text = await runCli([
      "run",
      gguf,
      "salam, labas?",
      "--temperature",
      "0",
      "--max-tokens",
      "8",
      ...FAST,
    ]);
    expect(text.code).toBe(0);
    const json = await runCli([
      "run",
      gguf,
      "salam, labas?",
      "--temperature",
      "0",
      "--max-tokens",
      "8",
      "--json",
      ...FAST,
    ]);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as {
      reply: string;
      finish_reason: string;
      tokens: number[];
      stats: { generatedTokens: number };
    };
    expect(parsed.finish_reason).toBe("length");
    expect(parsed.tokens).toHaveLength(8);
    expect(parsed.stats.generatedTokens).toBe(8);
    expect(text.stdout).toBe(`${parsed.reply}\n`);
  });

  it("reads the prompt from stdin and prints stats with --verbose", async () => {
    const r = await runCli(["run", gguf, "--temperature", "0", "--max-tokens", "3", "--verbose", ...FAST], {
      stdin: "labas 3lik?",
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/loaded .* from /);
    expect(r.stderr).toMatch(/reply 3 tokens, [\d.]+ tok\/s/);
  });

  it("names both sizes when the prompt does not fit the context", async () => {
    const long = "salam ".repeat(200);
    const r = await runCli(["run", gguf, long, "--ctx-size", "64", "--gpu", "cpu"]);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/the prompt is \d+ tokens but the context holds 64/);
  });

  it.each([
    [["run"], /missing <model>/],
    [
      ["run", "x.gguf", "hi", "--temperature", "hot"],
      /--temperature must be a number from 0 to 10 \(0 = greedy\), got 'hot'/,
    ],
    [["run", "x.gguf", "hi", "--gpu", "tpu"], /--gpu must be one of auto, cpu, cuda, vulkan, metal/],
    [["run", "x.gguf", "hi", "--bogus"], /Unknown option '--bogus'/],
    [["run", "x.gguf", "hi", "--bidi", "sideways"], /--bidi/],
  ])("bad arguments %j → exit 2 and a pointer to --help", async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it("a model that does not exist → exit 3 with what to do", async () => {
    const r = await runCli(["run", "atlas-chat:27b", "salam"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/atlas pull/);
  });

  it.each([
    ["empty", Buffer.alloc(0)],
    ["random", Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 131 + 7) % 256))],
    ["text", Buffer.from("hello, this is not a model\n")],
  ])(
    "run and pull on a %s file: the invalid-model exit code and message inspect gives",
    async (kind, bytes) => {
      const file = join(process.env["ATLAS_TEST_TMP"]!, `not-a-model-${kind}-${process.pid}.gguf`);
      await writeFile(file, bytes);
      const inspect = await runCli(["inspect", file]);
      expect(inspect.code).toBe(4);
      for (const argv of [
        ["run", file, "salam"],
        ["pull", file],
      ]) {
        const r = await runCli(argv);
        expect(r.code, argv.join(" ")).toBe(4);
        expect(r.stderr).toBe(inspect.stderr);
        expect(r.stdout).toBe("");
      }
    },
  );

  it("--messages: missing file → NOT_FOUND, unreadable → IO, bad JSON or shape → BAD_ARGUMENT", async () => {
    const dir = join(process.env["ATLAS_TEST_TMP"]!, `conversations-${process.pid}`);
    await mkdir(dir, { recursive: true });
    const run = (file: string) => runCli(["run", gguf, "--messages", file, ...FAST]);
    expect((await run(join(dir, "missing.json"))).code).toBe(3);
    const folder = await run(dir); // EISDIR: exists but cannot be read as a file
    expect(folder.code).toBe(6);
    expect(folder.stderr).toMatch(/cannot read the conversation file \(EISDIR\)/);
    await writeFile(join(dir, "bad.json"), "[{");
    expect((await run(join(dir, "bad.json"))).stderr).toMatch(/not valid JSON/);
    await writeFile(join(dir, "shape.json"), JSON.stringify([{ role: "robot", content: "x" }]));
    const shape = await run(join(dir, "shape.json"));
    expect(shape.code).toBe(2);
    expect(shape.stderr).toMatch(/shape\.json: messages\[0\]\.role must be one of system, user, assistant/);
    await writeFile(join(dir, "wrapped.json"), JSON.stringify({ messages: [] }));
    expect((await run(join(dir, "wrapped.json"))).stderr).toMatch(/messages is empty/);
  });

  it("warns on stderr when --ctx-size is above the model's training context", async () => {
    const args = ["run", gguf, "salam", "--gpu", "cpu", "--threads", "2", "--max-tokens", "2"];
    const above = await runCli([...args, "--ctx-size", "1024"]);
    expect(above.code).toBe(0);
    expect(above.stderr).toMatch(
      /^warning: --ctx-size 1024 is more than the 512 tokens .* was trained with/m,
    );
    const within = await runCli([...args, "--ctx-size", "512"]);
    expect(within.stderr).not.toMatch(/warning/);
  });

  it("--help shows usage and examples", async () => {
    const r = await runCli(["run", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: atlas run <model>/);
    expect(r.stdout).toMatch(/Examples:/);
  });
});

describe("Darija task commands", () => {
  it("translate streams a reply and --json wraps it", async () => {
    const r = await runCli([
      "translate",
      "--to",
      "darija",
      "Good morning",
      "-m",
      gguf,
      "--max-tokens",
      "4",
      "--json",
      ...FAST,
    ]);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as { to: string; text: string; stats: { generatedTokens: number } };
    expect(parsed.to).toBe("darija");
    expect(parsed.stats.generatedTokens).toBeLessThanOrEqual(4);
  });

  it("translate without --to is a usage error", async () => {
    const r = await runCli(["translate", "Good morning", "-m", gguf]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--to must be one of darija, msa, en, fr/);
  });

  it("transliterate and summarize read stdin", async () => {
    const t = await runCli(["transliterate", "--to", "arabizi", "-m", gguf, "--max-tokens", "3", ...FAST], {
      stdin: "واش نتا مزيان؟",
    });
    expect(t.code).toBe(0);
    const s = await runCli(["summarize", "-m", gguf, "--max-tokens", "3", ...FAST], {
      stdin: "نص طويل على الماتش.",
    });
    expect(s.code).toBe(0);
  });

  it("sentiment scores the three labels and reports probabilities that sum to 1", async () => {
    const r = await runCli(["sentiment", "--json", "-m", gguf, "الماتش كان زوين بزاف", ...FAST]);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as {
      label: string;
      scores: Record<string, number>;
      logprobs: Record<string, number>;
    };
    expect(["positive", "negative", "neutral"]).toContain(parsed.label);
    const total = Object.values(parsed.scores).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 6);
    const best = Object.entries(parsed.logprobs).reduce((a, b) => (b[1] > a[1] ? b : a));
    expect(parsed.label).toBe(best[0]);
    const plain = await runCli(["sentiment", "-m", gguf, "الماتش كان زوين بزاف", ...FAST]);
    expect(plain.stdout).toBe(`${parsed.label}\n`);
  });

  it("no text → usage error", async () => {
    const r = await runCli(["summarize", "-m", gguf]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no text/);
  });
});
