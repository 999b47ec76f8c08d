/**
 * The official `ollama` and `openai` npm clients against `atlas serve` on 127.0.0.1, serving a generated
 * tiny Gemma-2 on the real engine — and pulling another from the mock hub.
 */
import { Ajv } from "ajv";
import { Ollama } from "ollama";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModel, normalizeVector, type AtlasModel } from "../../src/api/index.js";
import { createApp, listen, type ListeningServer } from "../../src/server/index.js";
import type { MockHub } from "../helpers/mock-hub.js";
import { startTinyHub, testEnv } from "../store/fixtures.js";
import { tinyGguf } from "./fixtures.js";

let hub: MockHub;
let server: ListeningServer;
let ollama: Ollama;
let openai: OpenAI;
/** The same model loaded in the test, for reference embeddings. */
let direct: AtlasModel;

beforeAll(async () => {
  direct = await loadModel(await tinyGguf(), { gpu: "cpu", contextSize: 512, sequences: 1 });
  ({ hub } = await startTinyHub());
  const app = createApp({
    models: [{ name: "tiny", path: await tinyGguf() }],
    env: await testEnv(hub),
    loadOptions: { gpu: "cpu", contextSize: 512, sequences: 4 },
  });
  server = await listen(app, { port: 0 });
  ollama = new Ollama({ host: server.url });
  openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  await direct?.dispose();
  await server?.close(0);
  await hub?.close();
});

const question = [{ role: "user" as const, content: "شنو هي عاصمة المغرب؟" }];

function norm(v: ArrayLike<number>): number {
  return Math.sqrt(Array.from(v).reduce((sum, x) => sum + x * x, 0));
}

/** Same vector up to float32 rounding through JSON. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-6);
}

async function post(path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${server.url}${path}`, { method: "POST", body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

describe("the ollama npm client", () => {
  it("lists, shows and reports running models", async () => {
    const list = await ollama.list();
    expect(list.models.map((m) => m.name)).toContain("tiny");
    const tiny = list.models.find((m) => m.name === "tiny")!;
    expect(tiny.details).toMatchObject({ format: "gguf", family: "gemma2", quantization_level: "F32" });
    const show = await ollama.show({ model: "tiny" });
    // The client types model_info as a Map; on the wire it is a JSON object.
    expect((show.model_info as unknown as Record<string, unknown>)["general.architecture"]).toBe("gemma2");
    expect(show.template).toContain("<start_of_turn>");
    expect(show.parameters).toMatch(/^stop\s+"<(eos|end_of_turn)>"/m);
    await ollama.chat({ model: "tiny", messages: question, options: { num_predict: 1 } });
    const ps = await ollama.ps();
    expect(ps.models.map((m) => m.name)).toContain("tiny");
    expect(new Date(ps.models[0]!.expires_at).getTime()).toBeGreaterThan(Date.now());
    expect((await ollama.version()).version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("chats, streamed and not, with the same greedy reply", async () => {
    const options = { temperature: 0, num_predict: 12 };
    const whole = await ollama.chat({ model: "tiny", messages: question, options });
    expect(whole.done).toBe(true);
    expect(whole.done_reason).toBe("length");
    expect(whole.eval_count).toBe(12);
    expect(whole.message.role).toBe("assistant");
    for (const d of [whole.total_duration, whole.prompt_eval_duration, whole.eval_duration])
      expect(Number.isInteger(d) && d > 0).toBe(true);
    const parts = [];
    for await (const part of await ollama.chat({ model: "tiny", messages: question, options, stream: true }))
      parts.push(part);
    expect(parts.at(-1)?.done).toBe(true);
    expect(parts.slice(0, -1).every((p) => !p.done)).toBe(true);
    expect(parts.map((p) => p.message.content).join("")).toBe(whole.message.content);
  });

  it("generates, streamed and not; context continues a conversation", async () => {
    const options = { temperature: 0, num_predict: 8 };
    const first = await ollama.generate({ model: "tiny", prompt: "salam", options });
    expect(first.context.length).toBe(first.prompt_eval_count + first.eval_count);
    let streamed = "";
    let last;
    for await (const part of await ollama.generate({
      model: "tiny",
      prompt: "salam",
      options,
      stream: true,
    })) {
      streamed += part.response;
      last = part;
    }
    expect(streamed).toBe(first.response);
    expect(last?.context).toEqual(first.context);
    const next = await ollama.generate({ model: "tiny", prompt: "w daba?", context: first.context, options });
    expect(next.prompt_eval_count).toBeGreaterThan(first.context.length);
    const raw = await ollama.generate({ model: "tiny", prompt: "salam", raw: true, options });
    expect(raw.context).toBeUndefined();
  });

  it("pulls from the hub with progress, serves the pulled model, copies and deletes it", async () => {
    const statuses: string[] = [];
    for await (const p of await ollama.pull({ model: "atlas-chat:2b:q8_0", stream: true }))
      statuses.push(p.status);
    expect(statuses[0]).toBe("pulling manifest");
    expect(statuses.some((s) => s.startsWith("pulling model"))).toBe(true);
    expect(statuses.at(-1)).toBe("success");
    const name = "MBZUAI-Paris/Atlas-Chat-2B:q8_0";
    expect((await ollama.list()).models.map((m) => m.name)).toContain(name);
    const reply = await ollama.chat({
      model: "atlas-chat:2b:q8_0",
      messages: question,
      options: { num_predict: 3 },
    });
    expect(reply.eval_count).toBe(3);
    await ollama.copy({ source: name, destination: "darija-bot" });
    expect(
      (await ollama.chat({ model: "darija-bot", messages: question, options: { num_predict: 2 } })).done,
    ).toBe(true);
    await ollama.delete({ model: "darija-bot" });
    await ollama.delete({ model: name });
    const names = (await ollama.list()).models.map((m) => m.name);
    expect(names).not.toContain(name);
    expect(names).not.toContain("darija-bot");
    await expect(ollama.chat({ model: name, messages: question })).rejects.toMatchObject({
      status_code: 404,
    });
  });

  it("embeds: the model's own normalised vectors, dimensions, the older route, truncation", async () => {
    const texts = ["salam", "شنو هي عاصمة المغرب؟"];
    const reply = await ollama.embed({ model: "tiny", input: texts });
    expect(reply.embeddings).toHaveLength(2);
    const size = direct.info.embeddingSize;
    for (const [i, text] of texts.entries()) {
      const got = reply.embeddings[i]!;
      expect(got).toHaveLength(size);
      expect(norm(got)).toBeCloseTo(1, 5);
      expectClose(got, (await direct.embed(text)).embedding);
    }
    expect(reply.embeddings[0]).not.toEqual(reply.embeddings[1]);
    expect(reply.prompt_eval_count).toBe(
      texts.reduce((n, t) => n + direct.tokenize(t).length + 1, 0), // + BOS each
    );
    expect(reply.total_duration).toBeGreaterThan(0);
    // `dimensions` keeps the first N components, normalised again.
    const cut = (await post("/api/embed", { model: "tiny", input: "salam", dimensions: 8 })) as {
      embeddings: number[][];
    };
    const raw = (await direct.embed("salam", { normalize: false })).embedding;
    expectClose(cut.embeddings[0]!, normalizeVector(raw.subarray(0, 8)));
    // The older route answers the vector before normalisation, as Ollama does.
    const legacy = await ollama.embeddings({ model: "tiny", prompt: "salam" });
    expectClose(legacy.embedding, raw);
    expect((await ollama.embeddings({ model: "tiny", prompt: "" })).embedding).toEqual([]);
    expect((await ollama.embed({ model: "tiny", input: [] })).embeddings).toEqual([]);
    // Longer than the context: cut by default (Ollama's truncate: true), refused with truncate: false.
    const long = "salam ".repeat(600);
    const truncated = await ollama.embed({ model: "tiny", input: long });
    expect(truncated.prompt_eval_count).toBe(direct.info.contextSize);
    const refused = (await ollama
      .embed({ model: "tiny", input: long, truncate: false })
      .catch((e: unknown) => e)) as { status_code: number; error: string };
    expect(refused.status_code).toBe(400);
    expect(refused.error).toContain(String(direct.info.contextSize));
    await expect(ollama.embed({ model: "nope", input: "salam" })).rejects.toMatchObject({ status_code: 404 });
  });
});

describe("the openai npm client", () => {
  it("lists models and chats, streamed (with usage) and not", async () => {
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toContain("tiny");
    expect((await openai.models.retrieve("tiny")).id).toBe("tiny");
    const whole = await openai.chat.completions.create({
      model: "tiny",
      messages: question,
      temperature: 0,
      max_tokens: 10,
      logprobs: true,
      top_logprobs: 2,
    });
    expect(whole.choices[0]?.finish_reason).toBe("length");
    expect(whole.usage?.completion_tokens).toBe(10);
    const lps = whole.choices[0]?.logprobs?.content ?? [];
    expect(lps).toHaveLength(10);
    expect(lps.every((t) => t.top_logprobs.length === 2 && t.logprob <= 0)).toBe(true);
    const stream = await openai.chat.completions.create({
      model: "tiny",
      messages: question,
      temperature: 0,
      max_tokens: 10,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(whole.choices[0]?.message.content);
    expect(usage).toEqual(whole.usage);
  });

  it("returns JSON that validates against a json_schema response_format", async () => {
    const schema = {
      type: "object",
      properties: {
        answer: { enum: ["iyeh", "la"] },
        count: { type: "integer" },
        city: { type: "string", maxLength: 12 },
        tags: { type: "array", items: { type: "string", maxLength: 6 }, maxItems: 3 },
        ok: { type: ["boolean", "null"] },
      },
      required: ["answer", "count", "ok"],
      additionalProperties: false,
    };
    const validate = new Ajv().compile(schema);
    for (const seed of [1, 2, 3]) {
      const reply = await openai.chat.completions.create({
        model: "tiny",
        messages: question,
        seed,
        max_tokens: 400,
        response_format: { type: "json_schema", json_schema: { name: "reply", schema } },
      });
      expect(reply.choices[0]?.finish_reason).toBe("stop");
      const value: unknown = JSON.parse(reply.choices[0]?.message.content ?? "");
      expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it("scores prompts with echo + logprobs, lm-evaluation-harness style", async () => {
    const reply = await openai.completions.create({
      model: "tiny",
      prompt: [
        [2, 100, 200, 300],
        [2, 100, 201],
      ],
      echo: true,
      logprobs: 1,
      max_tokens: 1,
      temperature: 0,
      seed: 1234,
    });
    expect(reply.choices).toHaveLength(2);
    const first = reply.choices.find((c) => c.index === 0)!.logprobs!;
    expect(first.tokens).toHaveLength(5); // 4 prompt tokens + 1 generated
    expect(first.token_logprobs?.[0]).toBeNull();
    expect(first.top_logprobs?.[0]).toBeNull();
    expect(first.text_offset).toHaveLength(5);
    for (let i = 1; i < 5; i++) {
      const own = first.token_logprobs![i]!;
      const top = Math.max(...Object.values(first.top_logprobs![i]!));
      expect(own).toBeLessThanOrEqual(top);
    }
  });

  it("embeds text and token ids, as base64 (the SDK's default) and as floats", async () => {
    const expected = (await direct.embed("salam")).embedding;
    const b64 = await openai.embeddings.create({ model: "tiny", input: "salam" });
    expect(b64.object).toBe("list");
    expect(b64.data[0]!.index).toBe(0);
    expectClose(b64.data[0]!.embedding, expected);
    expect(b64.usage.prompt_tokens).toBe(direct.tokenize("salam").length + 1);
    const tokens = [direct.info.tokens.bos!, ...direct.tokenize("salam")];
    const arabic = [direct.info.tokens.bos!, ...direct.tokenize("شنو هي عاصمة المغرب؟")];
    const floats = await openai.embeddings.create({
      model: "tiny",
      input: [tokens, arabic],
      encoding_format: "float",
    });
    expect(floats.data.map((d) => d.index)).toEqual([0, 1]);
    expectClose(floats.data[0]!.embedding, expected);
    expectClose(floats.data[1]!.embedding, (await direct.embed("شنو هي عاصمة المغرب؟")).embedding);
    const short = await openai.embeddings.create({ model: "tiny", input: "salam", dimensions: 4 });
    expect(short.data[0]!.embedding).toHaveLength(4);
    // No silent truncation here: OpenAI refuses an input longer than the context.
    await expect(
      openai.embeddings.create({ model: "tiny", input: "salam ".repeat(600) }),
    ).rejects.toMatchObject({ status: 400, code: "context_length_exceeded" });
    await expect(openai.embeddings.create({ model: "tiny", input: "" })).rejects.toMatchObject({
      status: 400,
    });
  });
});
