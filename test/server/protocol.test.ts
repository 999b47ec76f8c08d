/**
 * Wire-level behaviour through `app.request()` on the fake engine: NDJSON and SSE framing, durations in
 * nanoseconds, load/unload calls, keep_alive and `/api/ps`, errors before and after a stream started,
 * `/metrics` and the request log.
 */
import { describe, expect, it } from "vitest";
import type { AtlasApp } from "../../src/server/index.js";
import { fakeApp, post } from "./fixtures.js";

const messages = [{ role: "user", content: "salam" }];

/** The body's chunks as the app enqueued them. */
async function chunks(res: Response): Promise<string[]> {
  const out: string[] = [];
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  for (let next = await reader.read(); !next.done; next = await reader.read())
    out.push(decoder.decode(next.value));
  return out;
}

function sseEvents(text: string): string[] {
  expect(text.endsWith("\n\n")).toBe(true);
  return text
    .slice(0, -2)
    .split("\n\n")
    .map((event) => {
      expect(event.startsWith("data: ")).toBe(true);
      expect(event.includes("\n")).toBe(false);
      return event.slice("data: ".length);
    });
}

describe("Ollama streaming", () => {
  it("sends one JSON object per chunk, each exactly one line, the last with done and ns durations", async () => {
    const app = await fakeApp({}, { reply: () => "salam!", stepDelayMs: 4 });
    for (const [path, body] of [
      ["/api/chat", { model: "tiny", messages }],
      ["/api/generate", { model: "tiny", prompt: "salam" }],
    ] as const) {
      const res = await post(app, path, body);
      expect(res.headers.get("content-type")).toBe("application/x-ndjson");
      const parts = await chunks(res);
      for (const part of parts) expect(part).toMatch(/^[^\n]+\n$/);
      const objects = parts.map((p) => JSON.parse(p) as Record<string, unknown>);
      const last = objects.at(-1)!;
      expect(objects.slice(0, -1).every((o) => o.done === false)).toBe(true);
      expect(last).toMatchObject({ done: true, done_reason: "stop", eval_count: 6 });
      for (const key of ["total_duration", "load_duration", "prompt_eval_duration", "eval_duration"])
        expect(Number.isInteger(last[key])).toBe(true);
      // Six steps of at least 4 ms each: nanoseconds, not milliseconds.
      expect(last.eval_duration as number).toBeGreaterThan(15_000_000);
      expect(last.total_duration as number).toBeGreaterThanOrEqual(last.eval_duration as number);
      if (path === "/api/generate") expect(Array.isArray(last.context)).toBe(true);
    }
    await app.atlas.shutdown(0);
  });

  it("an error after the stream started is a final {error} line, with no done line", async () => {
    const app = await fakeApp({}, { reply: () => "x".repeat(300), stepDelayMs: 20 });
    const res = await post(app, "/api/chat", { model: "tiny", messages });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(JSON.parse(first)).toMatchObject({ done: false });
    const stopping = app.atlas.shutdown(0);
    let rest = "";
    for (let next = await reader.read(); !next.done; next = await reader.read())
      rest += new TextDecoder().decode(next.value);
    await stopping;
    const last = JSON.parse(rest.trim().split("\n").at(-1)!) as Record<string, unknown>;
    expect(last).toEqual({ error: expect.stringMatching(/shutting down/) as unknown });
    expect(rest).not.toMatch(/"done":true/);
  });

  it("errors before streaming carry Ollama's status and {error}", async () => {
    const app = await fakeApp();
    const cases: [unknown, number, RegExp][] = [
      [{ model: "nope", messages }, 404, /model 'nope' not found/],
      [{ model: "atlas-chat:9b", messages }, 404, /atlas pull atlas-chat:9b/],
      [{ messages }, 400, /model is required/],
      [{ model: "tiny", messages, tools: [{ type: "function" }] }, 400, /no tool calling/],
      [{ model: "tiny", messages, think: true }, 400, /does not support thinking/],
      [{ model: "tiny", messages: [{ role: "user", content: "x", images: ["AAAA"] }] }, 400, /text-only/],
      [
        { model: "tiny", messages, options: { num_ctx: 8 } },
        400,
        /prompt is \d+ tokens but the context holds 8/,
      ],
      [{ model: "tiny", messages, options: { num_ctx: 100000 } }, 400, /larger than the 512 tokens/],
      [{ model: "tiny", messages, options: { mirostat: 2 } }, 400, /mirostat is not supported/],
      [{ model: "tiny", messages, options: { temprature: 1 } }, 400, /unknown option field 'temprature'/],
      [{ model: "tiny", messages, format: 42 }, 400, /invalid format/],
    ];
    for (const [body, status, message] of cases) {
      const res = await post(app, "/api/chat", body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
    }
    const raw = await post(app, "/api/generate", { model: "tiny", prompt: "x", raw: true, system: "s" });
    expect(((await raw.json()) as { error: string }).error).toBe(
      "raw mode does not support template, system, or context",
    );
    await app.atlas.shutdown(0);
  });
});

describe("OpenAI streaming", () => {
  it("frames SSE events as `data: <json>` + blank line, same id and created, then [DONE]", async () => {
    const app = await fakeApp({}, { reply: () => "salam" });
    const res = await post(app, "/v1/chat/completions", {
      model: "tiny",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = sseEvents(await res.text());
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as Record<string, unknown>);
    expect(new Set(chunks.map((c) => `${String(c.id)} ${String(c.created)}`)).size).toBe(1);
    expect(chunks[0]).toMatchObject({ choices: [{ delta: { role: "assistant" } }], usage: null });
    expect(chunks.at(-2)).toMatchObject({ choices: [{ delta: {}, finish_reason: "stop" }] });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 5 } });
    const text = chunks.map(
      (c) => (c.choices as { delta?: { content?: string } }[])[0]?.delta?.content ?? "",
    );
    expect(text.join("")).toBe("salam");
    await app.atlas.shutdown(0);
  });

  it("errors are OpenAI-shaped with param and code from the error's details", async () => {
    const app = await fakeApp();
    const cases: [unknown, number, string | null, string][] = [
      [{ model: "tiny", messages, temperature: 11 }, 400, "temperature", "invalid_value"],
      [{ model: "tiny", messages, max_tokens: 2_000_000 }, 400, "max_tokens", "invalid_value"],
      [{ model: "tiny", messages: [] }, 400, "messages", "invalid_value"],
      [
        { model: "tiny", messages: [{ role: "tool", content: "x" }] },
        400,
        "messages[0].role",
        "invalid_value",
      ],
      [{ model: "nope", messages }, 404, "model", "model_not_found"],
      [
        { model: "tiny", messages: [{ role: "user", content: "x".repeat(3000) }] },
        400,
        "prompt",
        "context_length_exceeded",
      ],
    ];
    for (const [body, status, param, code] of cases) {
      const res = await post(app, "/v1/chat/completions", body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      const error = ((await res.json()) as { error: Record<string, unknown> }).error;
      expect(error).toMatchObject({
        param,
        code,
        type: expect.any(String) as unknown,
        message: expect.any(String) as unknown,
      });
    }
    await app.atlas.shutdown(0);
  });
});

describe("loading, keep_alive and /api/ps", () => {
  async function ps(app: AtlasApp): Promise<{ name: string; expires_at: string }[]> {
    return (
      (await (await app.request("/api/ps")).json()) as { models: { name: string; expires_at: string }[] }
    ).models;
  }

  it("an empty prompt loads, keep_alive 0 unloads, keep_alive sets expires_at", async () => {
    const app = await fakeApp();
    expect(await ps(app)).toEqual([]);
    const load = (await (await post(app, "/api/generate", { model: "tiny" })).json()) as Record<
      string,
      unknown
    >;
    expect(load).toMatchObject({ model: "tiny", response: "", done: true, done_reason: "load" });
    // A model given with --model stays loaded by default.
    expect(new Date((await ps(app))[0]!.expires_at).getUTCFullYear()).toBe(9999);
    await post(app, "/api/chat", { model: "tiny", messages, keep_alive: "1h", stream: false });
    const expires = new Date((await ps(app))[0]!.expires_at).getTime() - Date.now();
    expect(expires).toBeGreaterThan(55 * 60_000);
    expect(expires).toBeLessThanOrEqual(3600_000);
    const unload = (await (
      await post(app, "/api/chat", { model: "tiny", messages: [], keep_alive: 0 })
    ).json()) as Record<string, unknown>;
    expect(unload).toMatchObject({
      done: true,
      done_reason: "unload",
      message: { role: "assistant", content: "" },
    });
    expect(await ps(app)).toEqual([]);
    await app.atlas.shutdown(0);
  });
});

describe("/metrics and the request log", () => {
  it("counts requests by route and status, tokens, and time to first token; logs one line each", async () => {
    const lines: string[] = [];
    const app = await fakeApp(
      { log: { write: (l) => lines.push(l), format: "json" } },
      { reply: () => "abc" },
    );
    await (await post(app, "/api/chat", { model: "tiny", messages })).text();
    await post(app, "/api/chat", { model: "nope", messages });
    await (await post(app, "/v1/chat/completions", { model: "tiny", messages })).text();
    const text = await (await app.request("/metrics")).text();
    expect(text).toMatch(/^atlas_http_requests_total\{method="POST",route="\/api\/chat",status="200"\} 1$/m);
    expect(text).toMatch(/^atlas_http_requests_total\{method="POST",route="\/api\/chat",status="404"\} 1$/m);
    expect(text).toMatch(/^atlas_generated_tokens_total\{model="tiny"\} 6$/m);
    expect(text).toMatch(/^atlas_time_to_first_token_seconds_count 2$/m);
    expect(text).toMatch(/^atlas_time_per_output_token_seconds_count 4$/m);
    expect(text).toMatch(/^# TYPE atlas_slots_busy gauge$/m);
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries[0]).toMatchObject({
      method: "POST",
      path: "/api/chat",
      status: 200,
      model: "tiny",
      completion_tokens: 3,
    });
    expect(entries[1]).toMatchObject({ status: 404, model: "nope", error: "NOT_FOUND" });
    await app.atlas.shutdown(0);
  });
});
