/**
 * The queue bound holds for any burst (issue 19, item 2): `atlas serve --parallel 2 --max-queue 4` over
 * real HTTP on 127.0.0.1, on the real engine with the tiny model. 64 requests sent at once: exactly
 * 2 + 4 are accepted, the 58 others are refused at once with 503 and a Retry-After.
 */
import { afterEach, describe, expect, it } from "vitest";
import { LlamaEngine } from "../../src/engine/index.js";
import { scratchHome, startServe, tinyGguf, type ServeRun } from "./fixtures.js";

let serve: ServeRun | undefined;
afterEach(async () => {
  await serve?.stop();
  serve = undefined;
});

describe("queue bound over the network", () => {
  it("64 simultaneous streams to --parallel 2 --max-queue 4: exactly 6 accepted, 58 refused with 503 + Retry-After", async () => {
    const path = await tinyGguf();
    // The accepted requests must still be running when the last of the 64 arrives, or a freed place
    // would admit a seventh: each runs until its context is full, with the end tokens banned.
    const probe = await new LlamaEngine().loadModel(path, { gpu: "cpu", sequences: 1, contextSize: 64 });
    const ban = Object.fromEntries(probe.info.tokens.endOfGeneration.map((t) => [String(t), -100]));
    await probe.dispose();
    serve = await startServe(
      ["--model", `tiny=${path}`, "--ctx-size", "2048", "--parallel", "2", "--max-queue", "4"],
      { ATLAS_HOME: await scratchHome() },
    );
    const url = serve.url;
    const controller = new AbortController();
    const request = (i: number): Promise<Response> =>
      fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: "tiny",
          messages: [{ role: "user", content: `request ${i}` }],
          stream: true,
          temperature: 0,
          max_tokens: 2000,
          logit_bias: ban,
        }),
        signal: controller.signal,
      });
    // One stream decoding already: the burst then arrives while a decode runs and one slot is free —
    // where counting free slots (not admitted requests) let every arrival in.
    const running = await request(-1);
    expect(running.status).toBe(200);
    const reader = running.body!.getReader();
    await reader.read();
    const responses = [running, ...(await Promise.all(Array.from({ length: 63 }, (_, i) => request(i))))];
    const accepted = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status !== 200);
    expect(accepted).toHaveLength(6);
    expect(refused).toHaveLength(58);
    for (const res of refused) {
      expect(res.status).toBe(503);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      const body = (await res.json()) as { error: { message: string } };
      expect(body.error.message).toMatch(/busy/i);
      // The real queue: 4 waiting (the limit), not a count that grows with the burst.
      expect(body.error.message).toContain("4 requests are already waiting (limit 4)");
    }
    controller.abort();
    await reader.cancel().catch(() => {});
    await Promise.all(accepted.slice(1).map((r) => r.body!.cancel().catch(() => {})));
  });
});
