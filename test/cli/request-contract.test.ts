/** The CLI maps flags and conversation files onto the request contract: the same fields, the same errors. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { tinyModel } from "../helpers/tiny-gguf.js";

let gguf: string;

beforeAll(async () => {
  gguf = await (await tinyModel()).gguf("q8_0");
});

async function conversation(name: string, messages: unknown): Promise<string> {
  const file = join(process.env["ATLAS_TEST_TMP"]!, `${name}-${process.pid}.json`);
  await writeFile(file, JSON.stringify(messages));
  return file;
}

describe("the request contract from the CLI", () => {
  it.each([
    [
      [
        { role: "user", content: "a" },
        { role: "bot", content: "b" },
      ],
      /messages\[1\]\.role must be one of system, user, assistant, got 'bot'/,
    ],
    [[{ role: "user", content: 42 }], /messages\[0\]\.content must be text/],
    [
      [
        { role: "user", content: "a" },
        { role: "system", content: "s" },
      ],
      /messages\[1\] is a system message; only the first/,
    ],
    [[], /messages is empty/],
  ])("a conversation file with %j → exit 2 naming the message", async (messages, pattern) => {
    const file = await conversation("bad-conversation", messages);
    const r = await runCli(["run", gguf, "--messages", file, "--print-prompt"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
  });

  it.each([
    ["--max-tokens", "-3", /--max-tokens must be a whole number from 0/],
    ["--seed", "4294967296", /--seed must be a whole number from 0 to 4294967295/],
    ["--top-k", "1.5", /--top-k must be a whole number ≥ 0/],
    ["--repeat-penalty", "0", /--repeat-penalty must be a number above 0/],
    ["--ctx-size", "abc", /--ctx-size must be a whole number from 16/],
  ])("%s %s → exit 2 with the contract's range", async (flag, value, pattern) => {
    const r = await runCli(["run", gguf, "salam", `${flag}=${value}`, "--gpu", "cpu"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
  });

  it("--max-tokens 0 evaluates the prompt and prints nothing", async () => {
    const r = await runCli(["run", gguf, "salam", "--max-tokens", "0", "--gpu", "cpu", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      reply: "",
      tokens: [],
      stats: { generatedTokens: 0, finishReason: "length" },
    });
  });
});
