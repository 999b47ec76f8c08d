/**
 * `atlas serve` under load: real HTTP clients streaming from a server on 127.0.0.1, against the engine's
 * own batched figure measured in the same run on the same loaded model. Each round measures both sides
 * back to back at every concurrency, engine first in even rounds and server first in odd ones; the
 * server/engine ratio is the median of these paired per-round ratios (with min/max), so drift of a shared
 * VM between rounds cancels instead of landing on one side.
 *
 * - aggregate generated tokens/s with 1, 2, 4, 8 concurrent clients (each streams /v1/completions with a
 *   2-token prompt, greedy, `--tokens` new tokens), counted like the engine figure: tokens after each
 *   request's first, over the span from the earliest first token to the last finish;
 * - time to first token (client side) p50/p95 per concurrency;
 * - the event loop's busy milliseconds per generated token on each side (the JS work beside the decodes:
 *   sampling and log-probabilities on both; HTTP, SSE and the in-process clients on the server side);
 * - the latency the server adds to one request: median wall time of a 1-token request through HTTP minus
 *   the same request on the engine directly (sequential, `--latency-requests` of each).
 *
 *   npx tsx bench/serve.ts --model model.gguf --out results/serve.json [--threads 2] [--tokens 64] [--rounds 3]
 *                          [--concurrency 1,2,4,8] [--client http|fetch]
 *
 * Refuses to overwrite an existing output file.
 */
import { Agent, request as httpRequest } from "node:http";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createApp, listen, loadModel, type Engine, type EngineModel } from "../src/index.js";
import { aggregateThroughput } from "./aggregate-throughput.js";
import { checkOutput, summarize, writeReport } from "./report.js";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    out: { type: "string" },
    threads: { type: "string", default: "2" },
    gpu: { type: "string", default: "cpu" },
    tokens: { type: "string", default: "64" },
    rounds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "1,2,4,8" },
    "latency-requests": { type: "string", default: "30" },
    client: { type: "string", default: "http" },
  },
});
if (values.model === undefined || values.out === undefined)
  throw new Error("usage: npx tsx bench/serve.ts --model <gguf> --out <result.json>");
const out = checkOutput(resolve(values.out));
const median = (xs: readonly number[]): number => summarize(xs).median;
const TOKENS = Number(values.tokens);
const LEVELS = values.concurrency.split(",").map(Number);
const SEQUENCES = Math.max(...LEVELS);
const CLIENT = values.client;
if (CLIENT !== "http" && CLIENT !== "fetch") throw new Error("--client must be http or fetch");
const AGENT = new Agent({ keepAlive: true });

/** p-th percentile (nearest rank). */
function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

interface StreamedRequest {
  sentAt: number;
  firstAt: number;
  endAt: number;
  tokens: number;
}

/** Parses SSE text as it arrives: records the first token's time and the final usage. */
class SseTally {
  firstAt = 0;
  tokens = 0;
  private buffer = "";

  push(text: string): void {
    this.buffer += text;
    let end: number;
    while ((end = this.buffer.indexOf("\n\n")) >= 0) {
      const event = this.buffer.slice(6, end);
      this.buffer = this.buffer.slice(end + 2);
      if (event === "[DONE]") continue;
      const chunk = JSON.parse(event) as {
        choices?: { text: string }[];
        usage?: { completion_tokens: number };
        error?: unknown;
      };
      if (chunk.error !== undefined)
        throw new Error(`the server failed midway: ${JSON.stringify(chunk.error)}`);
      if (this.firstAt === 0 && (chunk.choices?.length ?? 0) > 0) this.firstAt = performance.now();
      if (chunk.usage) this.tokens = chunk.usage.completion_tokens;
    }
  }
}

/** The streamed request every client sends. */
function requestBody(prompt: number[], maxTokens: number): string {
  return JSON.stringify({
    model: "bench",
    prompt,
    max_tokens: maxTokens,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
    logit_bias: NO_END,
    // One chunk per token even when a token has no text of its own (a random-weight model emits many
    // such tokens, and the server sends no empty text deltas): TTFT and rates are then per token.
    logprobs: 0,
  });
}

/**
 * One streamed completion, timed from the client. `http` (default) is node:http, the leanest HTTP client
 * in Node; `fetch` is undici's, which costs the shared event loop several times more per chunk (the
 * clients run in the server's process and on its cores, so their cost lands on the server's side).
 */
async function streamOne(url: string, prompt: number[], maxTokens: number): Promise<StreamedRequest> {
  const sentAt = performance.now();
  const tally = new SseTally();
  if (CLIENT === "fetch") {
    const res = await fetch(`${url}/v1/completions`, {
      method: "POST",
      body: requestBody(prompt, maxTokens),
    });
    if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    for (let next = await reader.read(); !next.done; next = await reader.read())
      tally.push(decoder.decode(next.value, { stream: true }));
  } else {
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${url}/v1/completions`, { method: "POST", agent: AGENT }, (res) => {
        res.setEncoding("utf8");
        let failed = "";
        res.on("data", (text: string) => {
          if (res.statusCode !== 200) failed += text;
          else
            try {
              tally.push(text);
            } catch (error) {
              req.destroy(error as Error);
            }
        });
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}: ${failed}`)),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(requestBody(prompt, maxTokens));
    });
  }
  return { sentAt, firstAt: tally.firstAt, endAt: performance.now(), tokens: tally.tokens };
}

/** A non-streamed POST through the chosen client; resolves to the parsed reply. */
async function postJson(url: string, body: unknown): Promise<unknown> {
  if (CLIENT === "fetch") {
    const res = await fetch(url, { method: "POST", body: JSON.stringify(body) });
    return res.json();
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "POST", agent: AGENT }, (res) => {
      res.setEncoding("utf8");
      let text = "";
      res.on("data", (part: string) => (text += part));
      res.on("end", () => {
        try {
          resolve(JSON.parse(text));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

/** n concurrent clients; returns tokens/s (engine-style) and each request's time to first token. */
async function serverRound(
  url: string,
  model: EngineModel,
  n: number,
  salt: number,
): Promise<{ tps: number; ttft: number[] }> {
  const bos = model.info.tokens.bos!;
  const base = Math.floor(model.info.vocabSize / 2);
  const runs = await Promise.all(
    Array.from({ length: n }, (_, i) => streamOne(url, [bos, base + i * 7 + salt], TOKENS + 1)),
  );
  const span = Math.max(...runs.map((r) => r.endAt)) - Math.min(...runs.map((r) => r.firstAt));
  const tokens = runs.reduce((sum, r) => sum + r.tokens - 1, 0);
  return { tps: (tokens * 1000) / span, ttft: runs.map((r) => r.firstAt - r.sentAt) };
}

const engineModel = (
  await loadModel(values.model, {
    gpu: values.gpu as "cpu",
    threads: Number(values.threads),
    contextSize: 1024,
    sequences: SEQUENCES,
  })
).engineModel;
// Every request runs its full length: end-of-generation tokens are banned on both sides.
const NO_END: Record<number, number> = Object.fromEntries(
  engineModel.info.tokens.endOfGeneration.map((t) => [t, -100]),
);
// The server gets the very model the engine figures come from: same weights, threads and KV cache.
const sharedEngine: Engine = { loadModel: () => Promise.resolve(engineModel) };
const app = createApp({
  models: [{ name: "bench", path: values.model }],
  loadOptions: { engine: sharedEngine },
  env: { ...process.env },
});
const server = await listen(app, { port: 0 });
// Warm-up: loads "bench" into the server.
await streamOne(server.url, [engineModel.info.tokens.bos!, Math.floor(engineModel.info.vocabSize / 2)], 8);

interface Side {
  tps: number[];
  /** Event-loop busy ms per generated token: the JS-thread work each side does beside the decodes. */
  jsMsPerToken: number[];
}
const newSide = (): Side => ({ tps: [], jsMsPerToken: [] });
const results = Object.fromEntries(
  LEVELS.map((n) => [n, { engine: newSide(), server: newSide(), ttft: [] as number[] }]),
);
/** Runs `fn`, returning its result and the event loop's busy milliseconds meanwhile. */
async function busy<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.eventLoopUtilization();
  const value = await fn();
  return [value, performance.eventLoopUtilization(start).active];
}
for (let round = 0; round < Number(values.rounds); round++) {
  for (const n of LEVELS) {
    const r = results[n]!;
    const engineSide = async (): Promise<void> => {
      // The same per-token work as the server's requests: the sampled token's log-probability.
      const [tps, ms] = await busy(() =>
        aggregateThroughput(engineModel, n, TOKENS, round, { logitBias: NO_END, logprobs: 0 }),
      );
      r.engine.tps.push(tps);
      r.engine.jsMsPerToken.push(ms / (n * (TOKENS + 1)));
    };
    const serverSide = async (): Promise<void> => {
      const [s, ms] = await busy(() => serverRound(server.url, engineModel, n, round));
      r.server.tps.push(s.tps);
      r.server.jsMsPerToken.push(ms / (n * (TOKENS + 1)));
      r.ttft.push(...s.ttft);
    };
    // Alternate which side goes first (engine first in even rounds), so a machine that drifts slower or
    // faster during a round does not favour one side.
    if (round % 2 === 0) {
      await engineSide();
      await serverSide();
    } else {
      await serverSide();
      await engineSide();
    }
    console.log(
      `round ${round} n=${n}: engine ${r.engine.tps.at(-1)!.toFixed(1)} tok/s, server ${r.server.tps.at(-1)!.toFixed(1)} tok/s`,
    );
  }
}

// Added latency: the same 1-token request, sequentially, on the engine and through HTTP.
const latency = { engine: [] as number[], server: [] as number[] };
const prompt = [engineModel.info.tokens.bos!, Math.floor(engineModel.info.vocabSize / 3)];
for (let i = 0; i < Number(values["latency-requests"]); i++) {
  let t = performance.now();
  await engineModel.generate(prompt, { maxTokens: 1, temperature: 0 }).result;
  latency.engine.push(performance.now() - t);
  t = performance.now();
  await postJson(`${server.url}/v1/completions`, { model: "bench", prompt, max_tokens: 1, temperature: 0 });
  latency.server.push(performance.now() - t);
}
AGENT.destroy();
await server.close(0);

const round2 = (x: number): number => Math.round(x * 100) / 100;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const summary2 = (xs: readonly number[]): ReturnType<typeof summarize> => {
  const s = summarize(xs);
  return { median: round2(s.median), min: round2(s.min), max: round2(s.max), rounds: s.rounds };
};
const concurrency = Object.fromEntries(
  LEVELS.map((n) => {
    const r = results[n]!;
    // Paired: each round's server figure over the engine figure measured next to it.
    const paired = r.server.tps.map((x, i) => x / r.engine.tps[i]!);
    return [
      `n${n}`,
      {
        engineTokensPerSecond: summary2(r.engine.tps),
        serverTokensPerSecond: summary2(r.server.tps),
        serverToEngine: summary2(paired),
        ratioOfMedians: round2(median(r.server.tps) / median(r.engine.tps)),
        jsBusyMsPerToken: {
          engine: round3(median(r.engine.jsMsPerToken)),
          server: round3(median(r.server.jsMsPerToken)),
        },
        ttftMs: { p50: round2(percentile(r.ttft, 50)), p95: round2(percentile(r.ttft, 95)) },
      },
    ];
  }),
);
const first = results[LEVELS[0]!]!;
const output = {
  benchmark: "serve",
  model: values.model,
  threads: Number(values.threads),
  client: CLIENT,
  tokens: TOKENS,
  rounds: Number(values.rounds),
  concurrency,
  // Each round's n-client rate over that round's single-client rate (server, then engine).
  scaling: Object.fromEntries(
    LEVELS.map((n) => [
      `n${n}`,
      {
        server: summary2(results[n]!.server.tps.map((x, i) => x / first.server.tps[i]!)),
        engine: summary2(results[n]!.engine.tps.map((x, i) => x / first.engine.tps[i]!)),
      },
    ]),
  ),
  addedLatencyMs: {
    p50: round2(median(latency.server) - median(latency.engine)),
    engineP50: round2(median(latency.engine)),
    serverP50: round2(median(latency.server)),
    requests: latency.server.length,
  },
  raw: results,
};
console.log(JSON.stringify({ concurrency, addedLatencyMs: output.addedLatencyMs }, null, 2));
writeReport(out, output);
