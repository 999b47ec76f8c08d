/** The OpenAI-compatible client against a small server on 127.0.0.1 answering fixed JSON. */
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAtlasError } from "../../core/index.js";
import { resolveTasks } from "../tasks/registry.js";
import { runEvaluation } from "../runner/run-evaluation.js";
import { openAiEvalModel } from "./openai-eval-model.js";
import { scratchDir } from "../../../test/hub/fixtures.js";

interface Seen {
  path: string;
  body: Record<string, unknown>;
  auth: string | undefined;
}

let base: string;
const seen: Seen[] = [];
let handler: (seen: Seen, res: ServerResponse) => void = () => {};
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  let text = "";
  req.on("data", (d: Buffer) => (text += d.toString("utf8")));
  req.on("end", () => {
    const entry = {
      path: req.url ?? "",
      body: JSON.parse(text) as Record<string, unknown>,
      auth: req.headers.authorization,
    };
    seen.push(entry);
    handler(entry, res);
  });
});

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const FAST = { retries: 3, baseDelayMs: 1, random: () => 0 };

describe("openAiEvalModel", () => {
  it("scores continuations from echoed logprobs, using text_offset to find where they start", async () => {
    seen.length = 0;
    handler = (_s, res) =>
      send(res, 200, {
        choices: [
          // Listed out of order: matched by index.
          {
            index: 1,
            text: "",
            logprobs: {
              tokens: ["<bos>", "Q:", " x", " B"],
              token_logprobs: [null, -1, -2, -0.75],
              top_logprobs: [null, { "Q:": -1 }, { " x": -2 }, { " A": -0.5, " B": -0.75 }],
              text_offset: [0, 0, 2, 4],
            },
          },
          {
            index: 0,
            text: "",
            logprobs: {
              tokens: ["<bos>", "Q:", " x", " A", "A"],
              token_logprobs: [null, -1, -2, -0.5, -0.25],
              top_logprobs: [null, { "Q:": -1 }, { " x": -2 }, { " A": -0.5 }, { A: -0.25 }],
              text_offset: [0, 0, 2, 4, 6],
            },
          },
        ],
      });
    const model = openAiEvalModel({ baseUrl: `${base}/`, model: "atlas", apiKey: "k", retry: FAST });
    const scores = await model.loglikelihoods("Q: x ", ["A AA".slice(0, 3), "B"]);
    expect(scores).toEqual([
      { logprob: -0.75, isGreedy: true },
      { logprob: -0.75, isGreedy: false },
    ]);
    expect(seen[0]).toMatchObject({
      path: "/v1/completions",
      auth: "Bearer k",
      body: {
        model: "atlas",
        prompt: ["Q: x A A", "Q: x B"],
        max_tokens: 0,
        echo: true,
        logprobs: 1,
        temperature: 0,
      },
    });
  });

  it("reads offsets in code points (Python servers) even with emoji in the context", async () => {
    handler = (_s, res) =>
      send(res, 200, {
        choices: [
          {
            index: 0,
            logprobs: {
              tokens: ["😀", " a", " b"],
              token_logprobs: [null, -1, -3],
              top_logprobs: null,
              // "😀" is one code point: " a" starts at 1 (it would be 2 in UTF-16 units).
              text_offset: [0, 1, 3],
            },
          },
        ],
      });
    const model = openAiEvalModel({ baseUrl: base, model: "m", retry: FAST });
    expect(await model.loglikelihoods("😀 a", [" b"])).toEqual([{ logprob: -3, isGreedy: true }]);
  });

  it("maps chat generations onto /v1/chat/completions and retries 503 with backoff", async () => {
    seen.length = 0;
    let failures = 2;
    handler = (_s, res) => {
      if (failures-- > 0) return send(res, 503, { error: { message: "busy" } }, { "retry-after": "0" });
      send(res, 200, {
        choices: [{ index: 0, message: { content: "salam<end_of_turn>junk" }, finish_reason: "stop" }],
      });
    };
    const model = openAiEvalModel({ baseUrl: base, model: "m", retry: FAST });
    const out = await model.generate(
      { kind: "chat", messages: [{ role: "user", content: "labas?" }] },
      { temperature: 0, maxTokens: 16, stop: ["<end_of_turn>"] },
    );
    expect(out).toEqual({ text: "salam", finishReason: "stop" });
    expect(seen).toHaveLength(3);
    expect(seen[2]).toMatchObject({
      path: "/v1/chat/completions",
      body: {
        model: "m",
        messages: [{ role: "user", content: "labas?" }],
        max_tokens: 16,
        temperature: 0,
        stop: ["<end_of_turn>"],
      },
    });
  });

  it("sends raw text prompts to /v1/completions", async () => {
    seen.length = 0;
    handler = (_s, res) =>
      send(res, 200, { choices: [{ index: 0, text: " hello", finish_reason: "length" }] });
    const model = openAiEvalModel({ baseUrl: base, model: "m", retry: FAST });
    expect(await model.generate({ kind: "text", text: "say" }, { maxTokens: 3 })).toEqual({
      text: " hello",
      finishReason: "length",
    });
    expect(seen[0]).toMatchObject({ path: "/v1/completions", body: { prompt: "say", max_tokens: 3 } });
  });

  it("says clearly when a server cannot echo logprobs, naming the tasks that need it", async () => {
    handler = (s, res) =>
      send(res, 200, {
        choices: (s.body["prompt"] as string[]).map((_, index) => ({ index, text: "", logprobs: null })),
      });
    const model = openAiEvalModel({ baseUrl: base, model: "m", retry: FAST });
    const dataDir = await scratchDir("echo");
    const folder = join(dataDir, "facebook", "belebele", "ary_Arab");
    await mkdir(folder, { recursive: true });
    const row = {
      flores_passage: "p",
      question: "q",
      correct_answer_num: "2",
      mc_answer1: "a",
      mc_answer2: "b",
      mc_answer3: "c",
      mc_answer4: "d",
    };
    await writeFile(join(folder, "test.jsonl"), `${JSON.stringify(row)}\n`);
    const error = await runEvaluation({
      model,
      tasks: resolveTasks(["belebele_ary"]).tasks,
      data: { dataDir },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toContain("these tasks need it: belebele_ary");
    expect(isAtlasError(error, "UNSUPPORTED")).toBe(true);
    expect((error as Error).message).toContain("cannot echo prompt log-probabilities");
  });

  it("turns a 400 about echo into the same clear error, and 401 into AUTH", async () => {
    handler = (_s, res) => send(res, 400, { error: { message: "echo is not supported with logprobs" } });
    const model = openAiEvalModel({ baseUrl: base, model: "m", retry: FAST });
    expect(await model.loglikelihoods("a", [" b"]).catch((e: unknown) => (e as { code: string }).code)).toBe(
      "UNSUPPORTED",
    );
    handler = (_s, res) => send(res, 401, { error: { message: "bad key" } });
    expect(
      await model
        .generate({ kind: "text", text: "x" }, {})
        .catch((e: unknown) => (e as { code: string }).code),
    ).toBe("AUTH");
  });
});
