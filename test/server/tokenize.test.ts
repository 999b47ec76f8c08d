/**
 * vLLM's tokenizer routes (`/tokenize`, `/detokenize`, `/tokenizer_info`) on the tiny model, as
 * lm-evaluation-harness's remote tokenizer calls them (no `model`, `add_special_tokens: false`), and
 * through `--upstream` to a second server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModel, type AtlasModel } from "../../src/api/index.js";
import { createApp, listen, type AtlasApp, type ListeningServer } from "../../src/server/index.js";
import { post, scratchHome, tinyGguf } from "./fixtures.js";

let app: AtlasApp;
let direct: AtlasModel;
let upstream: ListeningServer;
let front: AtlasApp;
const debug: string[] = [];

beforeAll(async () => {
  direct = await loadModel(await tinyGguf(), { gpu: "cpu", contextSize: 512, sequences: 1 });
  app = createApp({
    models: [{ name: "tiny", path: await tinyGguf() }],
    env: { ATLAS_HOME: await scratchHome() },
    loadOptions: { gpu: "cpu", contextSize: 512, sequences: 2 },
    debugLog: (line) => debug.push(line),
  });
  upstream = await listen(app, { port: 0 });
  front = createApp({ upstream: { baseUrl: `${upstream.url}/v1` } });
});
afterAll(async () => {
  await front?.atlas.shutdown(0);
  await upstream?.close(0);
  await direct?.dispose();
});

async function json(res: Response): Promise<Record<string, unknown>> {
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe("vLLM's tokenizer routes", () => {
  it("tokenize text as lm-eval's remote tokenizer asks (no model, no special tokens), and with BOS by default", async () => {
    const text = "salam, شنو هي عاصمة المغرب؟";
    const plain = await json(await post(app, "/tokenize", { prompt: text, add_special_tokens: false }));
    const expected = direct.tokenize(text, { parseSpecial: true });
    expect(plain).toEqual({ count: expected.length, max_model_len: 512, tokens: expected });
    const withBos = await json(await post(app, "/tokenize", { model: "tiny", prompt: text }));
    expect(withBos.tokens).toEqual([direct.info.tokens.bos, ...expected]);
    const pieces = await json(await post(app, "/tokenize", { prompt: "salam", return_token_strs: true }));
    expect((pieces.token_strs as string[]).join("")).toBe(`${direct.info.tokens.bosText}salam`);
  });

  it("tokenize a conversation through the chat template, and detokenize back", async () => {
    const messages = [{ role: "user", content: "labas?" }];
    const chat = await json(await post(app, "/tokenize", { model: "tiny:latest", messages }));
    const templated = direct.applyChatTemplate(messages as never, { tokenize: true });
    expect(chat.tokens).toEqual(templated);
    const text = await json(await post(app, "/detokenize", { tokens: chat.tokens }));
    expect(text.prompt).toBe(direct.applyChatTemplate(messages as never));
    const noPrompt = await json(await post(app, "/tokenize", { messages, add_generation_prompt: false }));
    expect((noPrompt.tokens as number[]).length).toBeLessThan(templated.length);
  });

  it("tokenizer_info carries what lm-eval reads (eos_token, bos_token, chat_template)", async () => {
    const info = await json(await app.request("/tokenizer_info"));
    expect(info).toMatchObject({
      eos_token: direct.info.tokens.eosText,
      bos_token: direct.info.tokens.bosText,
      add_bos_token: true,
      model_max_length: 512,
      chat_template: direct.chatTemplate,
    });
    expect(typeof info.tokenizer_class).toBe("string");
  });

  it("ignores unknown fields with a debug line, refuses bad known ones naming the field", async () => {
    const ok = await json(
      await post(app, "/tokenize", { prompt: "salam", truncate_prompt_tokens: 5, priority: 1 }),
    );
    expect(ok.count).toBeGreaterThan(0);
    expect(
      debug.some((l) => /POST \/tokenize ignored unknown fields truncate_prompt_tokens, priority/.test(l)),
    ).toBe(true);
    const cases: [string, unknown, string, RegExp][] = [
      ["/tokenize", { prompt: 5 }, "prompt", /prompt must be text, got 5/],
      ["/tokenize", {}, "prompt", /either prompt/],
      ["/tokenize", { prompt: "x", add_special_tokens: "yes" }, "add_special_tokens", /true or false/],
      ["/tokenize", { prompt: "x", chat_template: "{{x}}" }, "chat_template", /not accepted/],
      ["/detokenize", { tokens: [1, -2] }, "tokens[1]", /tokens\[1\] must be a whole number/],
      ["/detokenize", { tokens: [1, 10_000_000] }, "tokens[1]", /outside the vocabulary/],
      ["/tokenize", { model: "nope", prompt: "x" }, "model", /not found/],
    ];
    for (const [path, body, param, message] of cases) {
      const res = await post(app, path, body);
      const error = ((await res.json()) as { error: { message: string; param: string } }).error;
      expect(res.status === 400 || res.status === 404, JSON.stringify(body)).toBe(true);
      expect(error.param, JSON.stringify(body)).toBe(param);
      expect(error.message).toMatch(message);
    }
  });

  it("asks for a model when the server serves several", async () => {
    const two = createApp({
      models: [
        { name: "a", path: await tinyGguf() },
        { name: "b", path: await tinyGguf() },
      ],
      env: { ATLAS_HOME: await scratchHome() },
      loadOptions: { gpu: "cpu", contextSize: 256, sequences: 1 },
    });
    const res = await post(two, "/tokenize", { prompt: "salam" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /model is required: this server serves 2 models \(a, b\)/,
    );
    await two.atlas.shutdown(0);
  });

  it("passes through an upstream's tokenizer routes", async () => {
    const body = { prompt: "salam labas", add_special_tokens: false };
    expect(await json(await post(front, "/tokenize", { ...body, model: "tiny" }))).toEqual(
      await json(await post(app, "/tokenize", body)),
    );
    const tokens = direct.tokenize("salam");
    expect(await json(await post(front, "/detokenize", { model: "tiny", tokens }))).toEqual({
      prompt: "salam",
    });
    expect((await json(await front.request("/tokenizer_info"))).eos_token).toBe(direct.info.tokens.eosText);
  });
});
