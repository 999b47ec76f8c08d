/** `atlas chat` driven through a pipe (each line one message), on a generated tiny model. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { tinyModel } from "../helpers/tiny-gguf.js";

let gguf: string;
const FAST = ["--gpu", "cpu", "--ctx-size", "256", "--threads", "2"];

beforeAll(async () => {
  gguf = await (await tinyModel()).gguf("q8_0");
});

describe("atlas chat (scripted)", () => {
  it("keeps the conversation across turns, applies /set and saves a replayable file", async () => {
    const file = join(process.env["ATLAS_TEST_TMP"]!, `chat-${process.pid}.json`);
    const script = [
      "/set temperature 0",
      "/set max_tokens 4",
      "salam",
      "wach nta mzyan?",
      `/save ${file}`,
      "/show",
      "/bye",
      "never sent",
    ].join("\n");
    const r = await runCli(["chat", gguf, "--system", "جاوب بالدارجة.", ...FAST], { stdin: `${script}\n` });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("temperature = 0");
    expect(r.stdout).toContain("max_tokens = 4");
    expect(r.stdout).toMatch(/saved 4 messages/);
    expect(r.stdout).toMatch(/conversation: 4 messages, with system instructions/);
    const saved = JSON.parse(await readFile(file, "utf8")) as { role: string; content: string }[];
    expect(saved.map((m) => m.role)).toEqual(["system", "user", "assistant", "user", "assistant"]);
    expect(saved[3]!.content).toBe("wach nta mzyan?");

    // The second reply depends on the first turn: replaying the saved conversation's prefix gives it.
    const replay = await runCli(["run", gguf, "--messages", file, "--print-prompt"]);
    expect(replay.stdout).toContain("<start_of_turn>user\nجاوب بالدارجة.\n\nsalam<end_of_turn>");
  });

  it("/clear forgets the conversation; unknown commands and bad values are explained", async () => {
    const script = [
      "/set temperature 0",
      "/set max_tokens 2",
      "salam",
      "/clear",
      "/show",
      "/nope",
      "/set top_p 7",
      "/set colour blue",
    ].join("\n");
    const r = await runCli(["chat", gguf, ...FAST], { stdin: `${script}\n` });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("(conversation cleared)");
    expect(r.stdout).toMatch(/conversation: 0 messages/);
    expect(r.stdout).toContain("unknown command /nope");
    expect(r.stdout).toContain("top_p must be a number from 0 to 1 (1 = off), got '7'");
    expect(r.stdout).toMatch(/usage: \/set NAME VALUE/);
  });

  it('sends a """ block as one multi-line message', async () => {
    const file = join(process.env["ATLAS_TEST_TMP"]!, `chat-multi-${process.pid}.json`);
    const script = [
      "/set temperature 0",
      "/set max_tokens 2",
      '"""line one',
      "line two",
      'line three"""',
      `/save ${file}`,
    ].join("\n");
    const r = await runCli(["chat", gguf, ...FAST], { stdin: `${script}\n` });
    expect(r.code).toBe(0);
    const saved = JSON.parse(await readFile(file, "utf8")) as { role: string; content: string }[];
    expect(saved[0]).toEqual({ role: "user", content: "line one\nline two\nline three" });
  });

  it("an error in one turn does not end the session", async () => {
    const long = "salam ".repeat(120);
    const r = await runCli(["chat", gguf, "--gpu", "cpu", "--ctx-size", "64"], {
      stdin: `/set max_tokens 2\n${long}\n/show\n`,
    });
    // The session went on (/show ran); the script still learns that a message failed.
    expect(r.stderr).toMatch(/error: .*context holds 64/);
    expect(r.stdout).toMatch(/conversation: 0 messages/);
    expect(r.code).toBe(8);
  });
});

describe("atlas chat with a full context (scripted)", () => {
  it("exits with the context code and points at /clear; /clear lets the script go on", async () => {
    const long = "salam labas 3lik kolchi mzyan ".repeat(4);
    const args = ["chat", gguf, "--gpu", "cpu", "--ctx-size", "64", "--threads", "2", "--temperature", "0"];
    const full = await runCli([...args, "--max-tokens", "8"], {
      stdin: `${[long, long, long, long].join("\n")}\n`,
    });
    expect(full.stderr).toMatch(/^error: /m);
    expect(full.stderr).toContain("hint: type /clear to start a new conversation");
    expect(full.code).toBe(8);

    const cleared = await runCli([...args, "--max-tokens", "8"], {
      stdin: `${[long, long, "/clear", "salam"].join("\n")}\n`,
    });
    expect(cleared.stdout).toContain("(conversation cleared)");
    // The last message went through after /clear, but an earlier one failed: still not a success.
    expect(cleared.code).toBe(8);
  });
});
