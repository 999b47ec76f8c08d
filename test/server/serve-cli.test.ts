/** `atlas serve` as a user runs it: prints where it listens and what it loaded, serves, stops on Ctrl-C. */
import { describe, expect, it } from "vitest";
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

  it("refuses a non-loopback host without an API key", async () => {
    const run = await runCli(["serve", "--host", "0.0.0.0", "--port", "0"], {
      env: { ATLAS_HOME: await scratchHome() },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--api-key/);
  });
});
