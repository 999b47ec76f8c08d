/** `atlas serve` as a user runs it: prints where it listens and what it loaded, serves, stops on Ctrl-C. */
import { describe, expect, it } from "vitest";
import { parseHostPort, parseSize, parseUpstream } from "../../src/cli/commands/serve.js";
import { runCli } from "../helpers/run-cli.js";
import { scratchHome, startServe, tinyGguf } from "./fixtures.js";

describe("atlas serve", () => {
  it("prints the URL, models and slots, answers /api/chat and /api/tags, and exits 0 on Ctrl-C", async () => {
    const home = await scratchHome();
    const serve = await startServe(
      ["--model", `tiny=${await tinyGguf()}`, "--ctx-size", "256", "--parallel", "2", "--log-format", "json"],
      { ATLAS_HOME: home },
    );
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(serve.stdout()).toMatch(/tiny: gemma2 .* F32, 2 slots × 256 tokens/);

    const tags = (await (await fetch(`${serve.url}/api/tags`)).json()) as { models: { name: string }[] };
    expect(tags.models.map((m) => m.name)).toEqual(["tiny"]);
    const res = await fetch(`${serve.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify({
        model: "tiny",
        messages: [{ role: "user", content: "salam" }],
        stream: false,
        options: { temperature: 0, num_predict: 4 },
      }),
    });
    expect(res.status).toBe(200);
    const reply = (await res.json()) as { done: boolean; eval_count: number; message: { role: string } };
    expect(reply).toMatchObject({ done: true, eval_count: 4, message: { role: "assistant" } });

    expect(await serve.stop()).toBe(0);
    const log = serve
      .stderr()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(log).toContainEqual(
      expect.objectContaining({
        method: "POST",
        path: "/api/chat",
        status: 200,
        model: "tiny",
        completion_tokens: 4,
      }),
    );
    await expect(fetch(`${serve.url}/api/tags`)).rejects.toThrow();
  });

  it("serves in front of another atlas serve with --upstream, loading nothing itself", async () => {
    const home = await scratchHome();
    const upstream = await startServe(["--model", `tiny=${await tinyGguf()}`, "--ctx-size", "256"], {
      ATLAS_HOME: home,
      ATLAS_API_KEY: "inner",
    });
    const front = await startServe(["--upstream", `openai:${upstream.url}/v1`, "--upstream-model", "tiny"], {
      ATLAS_HOME: await scratchHome(),
      ATLAS_UPSTREAM_API_KEY: "inner",
    });
    expect(front.stdout()).toMatch(/upstream: http:\/\/127\.0\.0\.1:\d+\/v1 \(model tiny\)/);
    const res = await fetch(`${front.url}/api/generate`, {
      method: "POST",
      body: JSON.stringify({
        model: "atlas-chat:2b",
        prompt: "salam",
        stream: false,
        options: { num_predict: 3 },
      }),
    });
    expect(await res.json()).toMatchObject({ model: "atlas-chat:2b", done: true });
    expect(await front.stop()).toBe(0);
    expect(await upstream.stop()).toBe(0);
  });

  it("reads addresses, sizes and upstreams as documented", () => {
    expect(parseHostPort("0.0.0.0:8080")).toEqual({ host: "0.0.0.0", port: 8080 });
    expect(parseHostPort(":9000")).toEqual({ port: 9000 });
    expect(parseHostPort("http://[::1]:11435/")).toEqual({ host: "::1", port: 11435 });
    expect(parseHostPort("example.lan")).toEqual({ host: "example.lan" });
    expect(parseSize("memory-budget", "16G")).toBe(16 * 1024 ** 3);
    expect(parseSize("max-body", "512k")).toBe(512 * 1024);
    expect(parseSize("max-body", "1000")).toBe(1000);
    expect(() => parseSize("max-body", "lots")).toThrow(/--max-body must be a size/);
    expect(parseUpstream("openai:http://gpu:8000/v1")).toBe("http://gpu:8000/v1");
    expect(() => parseUpstream("http://gpu:8000/v1")).toThrow(/openai:<base-url>/);
  });

  it("refuses a non-loopback host without an API key", async () => {
    const run = await runCli(["serve", "--host", "0.0.0.0", "--port", "0"], {
      env: { ATLAS_HOME: await scratchHome() },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--api-key/);
  });
});
