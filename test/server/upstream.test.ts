/**
 * `--upstream openai:<url>`: a second `atlas serve` on 127.0.0.1 plays the GPU cluster; the front server
 * loads nothing, maps Ollama and OpenAI requests onto the upstream's OpenAI API, streams through and maps
 * its errors.
 */
import { Ollama } from "ollama";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, listen, type AtlasApp, type ListeningServer } from "../../src/server/index.js";
import { upstreamGenerationBody } from "../../src/server/upstream/upstream-requests.js";
import { post, scratchHome, tinyGguf } from "./fixtures.js";

let upstream: ListeningServer;
let front: ListeningServer;
let frontApp: AtlasApp;
let pinned: AtlasApp;

beforeAll(async () => {
  const upstreamApp = createApp({
    models: [{ name: "tiny", path: await tinyGguf() }],
    env: { ATLAS_HOME: await scratchHome() },
    // Batch-invariant: the same request twice (through the front, then directly) gives the same numbers.
    loadOptions: { gpu: "cpu", contextSize: 512, sequences: 4, batchInvariant: true },
    apiKey: "upstream-key",
  });
  upstream = await listen(upstreamApp, { port: 0 });
  frontApp = createApp({ upstream: { baseUrl: `${upstream.url}/v1`, apiKey: "upstream-key" } });
  front = await listen(frontApp, { port: 0 });
  pinned = createApp({ upstream: { baseUrl: `${upstream.url}/v1`, apiKey: "upstream-key", model: "tiny" } });
});
afterAll(async () => {
  await front?.close(0);
  await pinned?.atlas.shutdown(0);
  await upstream?.close(0);
});

const messages = [{ role: "user" as const, content: "salam" }];

describe("upstream mode", () => {
  it("serves the upstream's models through both APIs, streamed and not, loading nothing here", async () => {
    const ollama = new Ollama({ host: front.url });
    expect((await ollama.list()).models.map((m) => m.name)).toEqual(["tiny"]);
    const options = { temperature: 0, num_predict: 6 };
    const whole = await ollama.chat({ model: "tiny", messages, options });
    expect(whole).toMatchObject({ done: true, done_reason: "length", eval_count: 6 });
    let streamed = "";
    for await (const part of await ollama.chat({ model: "tiny", messages, options, stream: true }))
      streamed += part.message.content;
    expect(streamed).toBe(whole.message.content);
    const generated = await ollama.generate({ model: "tiny", prompt: "salam", raw: true, options });
    expect(generated.eval_count).toBe(6);
    expect(await ollama.ps()).toEqual({ models: [] });
    expect(frontApp.atlas.backend.usage().loadedModels).toBe(0);

    const openai = new OpenAI({ baseURL: `${front.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const direct = new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: "upstream-key", maxRetries: 0 });
    const request = { model: "tiny", messages, temperature: 0, max_tokens: 6 };
    const viaFront = await openai.chat.completions.create(request);
    const viaUpstream = await direct.chat.completions.create(request);
    expect(viaFront.choices[0]?.message.content).toBe(viaUpstream.choices[0]?.message.content);
    expect(viaFront.usage).toEqual(viaUpstream.usage);
    let text = "";
    for await (const chunk of await openai.chat.completions.create({ ...request, stream: true }))
      text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(viaUpstream.choices[0]?.message.content);
  });

  it("passes echo scoring through to the upstream", async () => {
    const body = { model: "tiny", prompt: "salam labas", echo: true, logprobs: 1, max_tokens: 0 };
    const viaFront = (await (await post(frontApp, "/v1/completions", body)).json()) as {
      choices: { logprobs: unknown }[];
    };
    const direct = (await (
      await fetch(`${upstream.url}/v1/completions`, {
        method: "POST",
        headers: { authorization: "Bearer upstream-key" },
        body: JSON.stringify(body),
      })
    ).json()) as { choices: { logprobs: unknown }[] };
    expect(viaFront.choices[0]?.logprobs).toEqual(direct.choices[0]?.logprobs);
  });

  it("passes embeddings through to the upstream's /v1/embeddings, for both APIs", async () => {
    const direct = new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: "upstream-key", maxRetries: 0 });
    const expected = (
      await direct.embeddings.create({ model: "tiny", input: ["salam", "labas"], encoding_format: "float" })
    ).data.map((d) => d.embedding);
    const openai = new OpenAI({ baseURL: `${front.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const viaFront = await openai.embeddings.create({ model: "tiny", input: ["salam", "labas"] });
    const ollama = new Ollama({ host: front.url });
    const viaOllama = await ollama.embed({ model: "tiny", input: ["salam", "labas"] });
    expected.forEach((vector, i) => {
      for (const got of [viaFront.data[i]!.embedding, viaOllama.embeddings[i]!])
        got.forEach((x, d) => expect(Math.abs(x - vector[d]!)).toBeLessThan(1e-6));
    });
    expect(viaOllama.prompt_eval_count).toBeGreaterThan(2);
    expect(frontApp.atlas.backend.usage().loadedModels).toBe(0);
    // The upstream's refusal comes back as this API's error.
    await expect(
      openai.embeddings.create({ model: "tiny", input: "salam ".repeat(600) }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it("maps the upstream's errors and refuses store operations", async () => {
    const unknown = await post(frontApp, "/api/chat", { model: "nope", messages });
    expect(unknown.status).toBe(404);
    // Too long for the upstream's context: its 400 comes back as a 400 with its message.
    const long = [{ role: "user", content: "salam ".repeat(600) }];
    const bad = await post(frontApp, "/v1/chat/completions", { model: "tiny", messages: long });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /^upstream: .*context holds 512/,
    );
    const pull = await post(frontApp, "/api/pull", { model: "atlas-chat:2b", stream: false });
    expect(pull.status).toBe(501);
    const keyless = createApp({ upstream: { baseUrl: `${upstream.url}/v1` } });
    const denied = await post(keyless, "/api/chat", { model: "tiny", messages, stream: false });
    expect(denied.status).toBe(502);
    expect(((await denied.json()) as { error: string }).error).toMatch(/upstream/);
    const down = createApp({ upstream: { baseUrl: "http://127.0.0.1:9/v1" } });
    const unreachable = await post(down, "/api/chat", { model: "tiny", messages, stream: false });
    expect(unreachable.status).toBe(502);
    expect(((await unreachable.json()) as { error: string }).error).toMatch(/cannot reach the upstream/);
  });

  it("--upstream-model sends every name to one upstream model", async () => {
    expect(((await (await pinned.request("/v1/models")).json()) as { data: { id: string }[] }).data).toEqual([
      expect.objectContaining({ id: "tiny" }),
    ]);
    const res = await post(pinned, "/api/chat", {
      model: "atlas-chat:27b",
      messages,
      stream: false,
      // Greedy: a sampled reply may draw the end token first and stop after one token.
      options: { num_predict: 2, temperature: 0 },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ model: "atlas-chat:27b", done: true, eval_count: 2 });
  });
});

describe("upstream request mapping", () => {
  it("folds the system message into the first user turn and sends only the options the client set", () => {
    const { path, body } = upstreamGenerationBody(
      {
        model: "atlas-chat:27b",
        input: {
          kind: "messages",
          messages: [
            { role: "system", content: "Jaweb b darija." },
            { role: "user", content: "salam" },
          ],
        },
        options: { temperature: 0.3, maxTokens: 20, logprobs: 2 },
        format: { kind: "json" },
      },
      "MBZUAI-Paris/Atlas-Chat-27B",
    );
    expect(path).toBe("/chat/completions");
    expect(body).toEqual({
      model: "MBZUAI-Paris/Atlas-Chat-27B",
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.3,
      max_tokens: 20,
      response_format: { type: "json_object" },
      logprobs: true,
      top_logprobs: 2,
      messages: [{ role: "user", content: "Jaweb b darija.\n\nsalam" }],
    });
    const raw = upstreamGenerationBody(
      { model: "m", input: { kind: "tokens", tokens: [2, 5] }, options: {} },
      "m",
    );
    expect(raw).toEqual({
      path: "/completions",
      body: { model: "m", stream: true, stream_options: { include_usage: true }, prompt: [2, 5] },
    });
    expect(() =>
      upstreamGenerationBody(
        { model: "m", input: { kind: "text", text: "x", prefix: [1] }, options: {} },
        "m",
      ),
    ).toThrow(/context/);
  });
});
