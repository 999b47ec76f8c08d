/**
 * Hostile and careless input: every bad request gets a 4xx with a message that names the problem, and
 * the server keeps serving. Then the guards: API key, browser origins, Host header, body size.
 */
import { describe, expect, it } from "vitest";
import { FakeEngine } from "../../src/engine/index.js";
import { createApp } from "../../src/server/index.js";
import { fakeApp, post, scratchHome, tinyGguf } from "./fixtures.js";

const messages = [{ role: "user", content: "salam" }];

describe("abuse", () => {
  it("answers every malformed request with a 4xx and a message, and stays alive", async () => {
    const app = await fakeApp({ maxBodyBytes: 64 * 1024 });
    const many = Array.from({ length: 1000 }, (_, i) => ({
      role: i % 2 === 0 ? "user" : "assistant",
      content: `m${i}`,
    }));
    const cases: [string, unknown, number, RegExp][] = [
      ["/api/chat", "{not json", 400, /not valid JSON/],
      ["/api/chat", "[1,2]", 400, /must be a JSON object/],
      ["/api/chat", "", 400, /missing request body/],
      [
        "/api/chat",
        { model: "tiny", messages, options: { temperature: "hot" } },
        400,
        /temperature must be a number/,
      ],
      [
        "/api/chat",
        { model: "tiny", messages, options: { num_predict: 1e12 } },
        400,
        /num_predict must be a whole number from 0 to 1048576/,
      ],
      ["/api/chat", { model: "tiny", messages, stream: "yes" }, 400, /stream must be true or false/],
      ["/api/chat", { model: 42, messages }, 400, /model must be a model name/],
      ["/api/chat", { model: "tiny", messages: "hi" }, 400, /messages must be a list/],
      [
        "/api/chat",
        { model: "tiny", messages: [{ role: "wizard", content: "x" }] },
        400,
        /role must be one of system, user, assistant/,
      ],
      ["/api/chat", { model: "tiny", messages: [{ role: "user", content: 7 }] }, 400, /content must be text/],
      [
        "/api/chat",
        { model: "tiny", messages: [{ role: "user", content: "x", mood: "happy" }] },
        400,
        /unknown message field 'mood'/,
      ],
      [
        "/api/chat",
        { model: "tiny", messages, temperature: 0.5 },
        400,
        /unknown chat request field 'temperature'/,
      ],
      ["/api/chat", { model: "tiny", messages: many }, 400, /prompt is \d+ tokens but the context holds 512/],
      ["/api/chat", { model: "tiny", messages, keep_alive: "forever" }, 400, /keep_alive must be/],
      ["/api/chat", { model: "../../etc/passwd", messages }, 400, /invalid model name/],
      ["/api/chat", { model: "/etc/passwd", messages }, 400, /invalid model name/],
      ["/api/show", { model: "C:\\Windows\\win.ini" }, 400, /invalid model name/],
      ["/api/pull", { model: "./tiny" }, 400, /invalid model name/],
      ["/api/copy", { source: "tiny", destination: "../x" }, 400, /invalid model name/],
      [
        "/api/chat",
        { model: "tiny", messages: [{ role: "user", content: "x".repeat(100_000) }] },
        413,
        /larger than 65536 bytes/,
      ],
      ["/v1/chat/completions", { model: "tiny", messages, n: 3 }, 400, /n must be 1/],
      [
        "/v1/chat/completions",
        { model: "tiny", messages, logit_bias: { abc: 5 } },
        400,
        /logit_bias must be/,
      ],
      [
        "/v1/chat/completions",
        { model: "tiny", messages, stream_options: { include_usage: true } },
        400,
        /only allowed with stream/,
      ],
      [
        "/v1/chat/completions",
        { model: "tiny", messages, response_format: { type: "xml" } },
        400,
        /response_format.type/,
      ],
      [
        "/v1/chat/completions",
        { model: "tiny", messages: [{ role: "user", content: [{ type: "image_url" }] }] },
        400,
        /text-only/,
      ],
      [
        "/v1/completions",
        { model: "tiny", prompt: [[1, 2], "x", { a: 1 }] },
        400,
        /prompt\[2\] must be text or a list of token ids/,
      ],
      [
        "/v1/completions",
        { model: "tiny", prompt: "x", logprobs: 50 },
        400,
        /logprobs must be a whole number from 0 to 20/,
      ],
      ["/v1/completions", { model: "tiny", prompt: "x", best_of: 2 }, 400, /best_of must be 1/],
      ["/v1/completions", { model: "tiny", prompt: "x", suffix: "y" }, 400, /suffix/],
      ["/api/embed", { model: "tiny", input: 42 }, 400, /input must be text or a list of texts/],
      ["/api/embed", { model: "tiny", input: ["a", [1, 2]] }, 400, /input\[1\] must be text/],
      ["/api/embed", { model: "tiny", input: "a", dimensions: 0 }, 400, /dimensions must be a whole number/],
      [
        "/api/embed",
        { model: "tiny", input: "a", dimensions: 17 },
        400,
        /dimensions must be between 1 and 16/,
      ],
      ["/api/embed", { model: "tiny", input: "a", pooling: "max" }, 400, /unknown embed request field/],
      ["/api/embed", { model: "tiny", input: "a", options: { temprature: 1 } }, 400, /temperature/],
      [
        "/api/embed",
        { model: "tiny", input: "a", truncate: false, keep_alive: "x" },
        400,
        /keep_alive must be/,
      ],
      ["/api/embeddings", { model: "tiny", prompt: ["a"] }, 400, /prompt must be text/],
      [
        "/api/embeddings",
        { model: "tiny", prompt: "x".repeat(600) },
        400,
        /input to embed is 601 tokens but the context holds 512/,
      ],
      ["/v1/embeddings", { model: "tiny" }, 400, /input is missing/],
      ["/v1/embeddings", { model: "tiny", input: "" }, 400, /input is empty/],
      ["/v1/embeddings", { model: "tiny", input: [] }, 400, /input is an empty list/],
      [
        "/v1/embeddings",
        { model: "tiny", input: Array.from({ length: 2049 }, () => "a") },
        400,
        /at most 2048 per request/,
      ],
      [
        "/v1/embeddings",
        { model: "tiny", input: [[1, -2]] },
        400,
        /input\[0\] must be text or a list of token ids/,
      ],
      ["/v1/embeddings", { model: "tiny", input: [[1, 100000]] }, 400, /outside the vocabulary/],
      ["/v1/embeddings", { model: "tiny", input: "a", encoding_format: "hex" }, 400, /encoding_format/],
      [
        "/v1/embeddings",
        { model: "tiny", input: "x".repeat(600) },
        400,
        /input to embed is \d+ tokens but the context holds 512/,
      ],
    ];
    for (const [path, body, status, message] of cases) {
      const res = await post(app, path, body);
      const text = await res.text();
      expect(res.status, `${path} ${JSON.stringify(body).slice(0, 100)}: ${text}`).toBe(status);
      expect(text, path).toMatch(message);
    }
    expect((await app.request("/api/tags")).status).toBe(200);
    const ok = await post(app, "/api/chat", { model: "tiny", messages, stream: false });
    expect(ok.status).toBe(200);
    await app.atlas.shutdown(0);
  });

  it("answers unknown routes with 404 and known ones with the wrong method with 405", async () => {
    const app = await fakeApp();
    expect((await app.request("/api/nothing")).status).toBe(404);
    const res = await app.request("/api/chat", { method: "GET" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect((await app.request("/api/tags", { method: "HEAD" })).status).toBe(200);
    expect(await (await app.request("/")).text()).toBe("Ollama is running");
    await app.atlas.shutdown(0);
  });
});

describe("guards", () => {
  it("requires the API key (Bearer) on every route but the liveness check", async () => {
    const app = await fakeApp({ apiKey: "s3cret" });
    expect((await app.request("/")).status).toBe(200);
    const none = await app.request("/api/tags");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await app.request("/api/tags", { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const openai = await app.request("/v1/models", { headers: { authorization: "Bearer s3cre" } });
    expect(((await openai.json()) as { error: { type: string } }).error.type).toBe("authentication_error");
    expect((await app.request("/api/tags", { headers: { authorization: "Bearer s3cret" } })).status).toBe(
      200,
    );
    await app.atlas.shutdown(0);
  });

  it("refuses browser requests from origins not allowed; allows and answers CORS for listed ones", async () => {
    const closed = await fakeApp();
    const evil = await post(
      closed,
      "/api/pull",
      { model: "atlas-chat:2b" },
      { headers: { origin: "http://evil.example" } },
    );
    expect(evil.status).toBe(403);
    expect(((await evil.json()) as { error: string }).error).toMatch(/--cors-origin/);
    // Same origin (the served web chat) is fine.
    const same = await closed.request("http://localhost:11434/api/tags", {
      headers: { origin: "http://localhost:11434", host: "localhost:11434" },
    });
    expect(same.status).toBe(200);
    await closed.atlas.shutdown(0);

    const open = await fakeApp({ corsOrigins: ["https://chat.example.org"] });
    const pre = await open.request("/api/chat", {
      method: "OPTIONS",
      headers: {
        origin: "https://chat.example.org",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://chat.example.org");
    const tags = await open.request("/api/tags", { headers: { origin: "https://chat.example.org" } });
    expect(tags.headers.get("access-control-allow-origin")).toBe("https://chat.example.org");
    expect((await open.request("/api/tags", { headers: { origin: "https://other.example" } })).status).toBe(
      403,
    );
    await open.atlas.shutdown(0);
  });

  it("answers only to loopback host names unless told otherwise (DNS rebinding)", async () => {
    const app = await fakeApp();
    expect((await app.request("/api/tags", { headers: { host: "evil.example:11434" } })).status).toBe(403);
    for (const host of ["localhost:11434", "127.0.0.1:11434", "[::1]:11434", "app.localhost"])
      expect((await app.request("/api/tags", { headers: { host } })).status, host).toBe(200);
    await app.atlas.shutdown(0);
    const any = createApp({
      models: [{ name: "tiny", path: await tinyGguf() }],
      env: { ATLAS_HOME: await scratchHome() },
      loadOptions: { engine: new FakeEngine() },
      allowedHosts: "any",
    });
    expect((await any.request("/api/tags", { headers: { host: "gpu-box.lan:11434" } })).status).toBe(200);
    await any.atlas.shutdown(0);
  });
});
