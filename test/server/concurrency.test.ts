/**
 * Many users on one model, over real HTTP on 127.0.0.1 with the tiny model on the real engine: a full
 * queue answers 503 + Retry-After at once, everything else completes, nothing stays busy afterwards; a
 * greedy reply does not depend on what else runs; a client that goes away frees its slot.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createApp, listen, type AtlasApp, type ListeningServer } from "../../src/server/index.js";
import { scratchHome, tinyGguf } from "./fixtures.js";

let server: ListeningServer | undefined;
afterEach(async () => {
  await server?.close(0);
  server = undefined;
});

async function start(
  load: { sequences: number; maxQueue?: number },
  log: string[] = [],
): Promise<{ app: AtlasApp; url: string }> {
  const app = createApp({
    models: [{ name: "tiny", path: await tinyGguf() }],
    env: { ATLAS_HOME: await scratchHome() },
    loadOptions: { gpu: "cpu", contextSize: 512, ...load },
    log: { write: (line) => log.push(line), format: "json" },
  });
  await app.atlas.backend.load("tiny", undefined);
  server = await listen(app, { port: 0 });
  return { app, url: server.url };
}

/** Waits (bounded) until `check` holds; the engine's work ends asynchronously. */
async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function chat(
  url: string,
  content: string,
  options: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${url}/api/chat`, {
    method: "POST",
    body: JSON.stringify({ model: "tiny", messages: [{ role: "user", content }], options }),
    ...(signal === undefined ? {} : { signal }),
  });
}

/** Reads an NDJSON stream to its end; returns its objects. */
async function lines(res: Response): Promise<Record<string, unknown>[]> {
  const text = await res.text();
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Reads a stream until its first object, leaving the rest unread. */
async function firstLine(res: Response): Promise<ReadableStreamDefaultReader<Uint8Array>> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let seen = "";
  while (!seen.includes("\n")) {
    const next = await reader.read();
    if (next.done) throw new Error("stream ended before its first line");
    seen += new TextDecoder().decode(next.value);
  }
  return reader;
}

describe("serving many clients", () => {
  it("32 clients in a loop: each request completes or gets 503 at once; afterwards nothing is busy", async () => {
    const { app, url } = await start({ sequences: 4, maxQueue: 8 });
    // Warm up, then take the memory baseline.
    await lines(await chat(url, "warm up", { num_predict: 8 }));
    const rssBefore = process.memoryUsage().rss;
    const outcomes = { done: 0, busy: 0 };
    await Promise.all(
      Array.from({ length: 32 }, async (_, client) => {
        for (let round = 0; round < 3; round++) {
          const res = await chat(url, `client ${client} round ${round}`, { num_predict: 12, seed: client });
          if (res.status === 503) {
            expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
            expect(((await res.json()) as { error: string }).error).toMatch(/busy|queue/i);
            outcomes.busy++;
            continue;
          }
          expect(res.status).toBe(200);
          const objects = await lines(res);
          const last = objects.at(-1) as { done: boolean; eval_count: number };
          expect(last.done).toBe(true);
          expect(last.eval_count).toBeLessThanOrEqual(12);
          outcomes.done++;
        }
      }),
    );
    expect(outcomes.done + outcomes.busy).toBe(96);
    expect(outcomes.busy).toBeGreaterThan(0);
    expect(outcomes.done).toBeGreaterThanOrEqual(12);
    await until(() => app.atlas.backend.usage().busySlots === 0, "free slots");
    expect(app.atlas.backend.usage()).toMatchObject({ busySlots: 0, queued: 0, slots: 4 });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^atlas_slots_busy 0$/m);
    expect(metrics).toMatch(/^atlas_queue_depth 0$/m);
    expect(metrics).toMatch(
      /atlas_http_requests_total\{method="POST",route="\/api\/chat",status="503"\} \d+/,
    );
    global.gc?.();
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(150 * 1024 * 1024);
  });

  it("a greedy reply is the same alone and among 7 other running requests", async () => {
    const { url } = await start({ sequences: 8 });
    const request = (prompt: string, n: number): Promise<Response> =>
      fetch(`${url}/api/generate`, {
        method: "POST",
        body: JSON.stringify({
          model: "tiny",
          prompt,
          stream: false,
          options: { temperature: 0, num_predict: n },
        }),
      });
    const alone = (await (await request("شنو هو الطاجين؟", 24)).json()) as { context: number[] };
    // Seven others, each seen streaming before the request under test starts.
    const others = await Promise.all(
      Array.from({ length: 7 }, async (_, i) => {
        const res = await chat(url, `other request ${i} ${"x".repeat(i * 7)}`, {
          temperature: 0,
          num_predict: 200,
        });
        return firstLine(res);
      }),
    );
    const together = (await (await request("شنو هو الطاجين؟", 24)).json()) as { context: number[] };
    expect(together.context).toEqual(alone.context);
    await Promise.all(others.map((reader) => reader.cancel()));
  });

  it("a client that disconnects frees its slot: its generation stops early", async () => {
    const log: string[] = [];
    const { app, url } = await start({ sequences: 1 }, log);
    const tokensOut = (): number => {
      const text = app.atlas.metrics.render(app.atlas.backend.usage());
      return Number(/^atlas_generated_tokens_total\{model="tiny"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    const before = tokensOut();
    const controller = new AbortController();
    // Greedy: a sampled run may draw the end token after a few tokens and finish before it is aborted.
    const res = await chat(url, "a long story", { num_predict: 400, temperature: 0 }, controller.signal);
    await firstLine(res);
    controller.abort();
    await until(() => tokensOut() > before, "the aborted stream to end");
    expect(tokensOut() - before).toBeLessThan(400);
    expect(app.atlas.backend.usage().busySlots).toBe(0);
    // The single slot takes the next request; wait until the engine has settled it too.
    const settled = tokensOut();
    const next = await lines(await chat(url, "next", { num_predict: 4 }));
    const nextTokens = (next.at(-1) as { done: boolean; eval_count: number }).eval_count;
    expect(next.at(-1)).toMatchObject({ done: true });
    await until(
      () => tokensOut() >= settled + nextTokens && app.atlas.backend.usage().busySlots === 0,
      "the next request to settle",
    );

    // Not streamed: the request is seen holding the slot, then its client leaves. Its generation ends
    // as aborted (logged 499), not completed, and the slot is free again.
    const quiet = new AbortController();
    const pending = fetch(`${url}/api/generate`, {
      method: "POST",
      body: JSON.stringify({
        model: "tiny",
        prompt: "another long story",
        stream: false,
        // Greedy, so the generation runs its 400 tokens (hundreds of ms) and is seen holding the slot.
        options: { num_predict: 400, temperature: 0 },
      }),
      signal: quiet.signal,
    }).catch((error: unknown) => error);
    await until(() => app.atlas.backend.usage().busySlots === 1, "the request to take the slot");
    quiet.abort();
    await pending;
    const generateLog = (): Record<string, unknown> | undefined =>
      log.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.path === "/api/generate");
    await until(() => generateLog() !== undefined, "the aborted request to end");
    expect(generateLog()).toMatchObject({ status: 499, error: "ABORTED" });
    await until(() => app.atlas.backend.usage().busySlots === 0, "the slot to be free");
    expect(app.atlas.backend.usage().busySlots).toBe(0);
  });
});
