/**
 * Where a generated token's time goes (issue 25): a per-token timeline of single-stream generation —
 * the decode call as JavaScript sees it, the worker's idle gap before each decode, and the host work
 * on each token (sampling, log-probabilities, detokenizing + stop checks, emitting to the stream) — from
 * the engine's `onStep` hook, beside llama-bench's time per token on the same GGUF, threads and flags.
 *
 * Each measurement is a fresh process; the sides alternate round by round in a rotating order:
 *   - atlas greedy, atlas sampled (temperature 0.8, top-k 40, top-p 0.95), atlas greedy with
 *     `logprobs: 5` and a stop string (the server's worst case), each with the prebuilt library and, with
 *     `--native-lib DIR`, with a native build of the same llama.cpp commit (ATLAS_LLAMA_LIB_DIR);
 *   - llama-bench `-p 0 -n N` (`--llama-bench`), and the native-build llama-bench if given separately.
 * The hand-off latency between the decode worker and the JavaScript thread (a koffi async call of a
 * trivial native function, round trip) is measured in each atlas process too.
 *
 *   npx tsx bench/timeline.ts --model /work/models/atlas-2b-q4_k_m.gguf \
 *     --llama-bench /work/llama-native/build/bin/llama-bench --native-lib /work/llama-native/atlas-lib \
 *     --rounds 12 --out bench/results/timeline-DATE.json
 */
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { StepTimeline } from "../src/engine/index.js";
import { checkOutput, summarize, writeReport, type Summary } from "./report.js";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    "llama-bench": { type: "string" },
    "native-lib": { type: "string" },
    rounds: { type: "string", default: "12" },
    tokens: { type: "string", default: "128" },
    threads: { type: "string", default: "2" },
    poll: { type: "string" },
    modes: { type: "string", default: "greedy,sampled,logprobs" },
    part: { type: "string" },
    out: { type: "string" },
  },
});
if (values.model === undefined) throw new Error("--model <gguf> is required");
const model = values.model;
const tokens = Number(values.tokens);
const threads = Number(values.threads);

/** What one atlas process reports: per-token medians of each timeline field, the rate, the hop. */
interface PartResult {
  rate: number;
  perToken: Record<string, number>;
  hopUs: number;
  steps: number;
}

const FIELDS = ["decodeMs", "gapMs", "sampleMs", "logprobMs", "detokenizeMs", "emitMs", "planMs"] as const;

async function part(mode: string): Promise<PartResult> {
  const { LlamaEngine } = await import("../src/engine/index.js");
  const { loadLlama } = await import("../src/native/load-llama.js");
  const steps: StepTimeline[] = [];
  let recording = false;
  const m = await new LlamaEngine().loadModel(model, {
    gpu: "cpu",
    threads,
    contextSize: 1024,
    sequences: 1,
    flashAttention: "on",
    ...(values.poll === undefined ? {} : { threadPoll: Number(values.poll) }),
    onStep: (step) => {
      if (recording) steps.push(step);
    },
  });
  const bos = m.info.tokens.bos!;
  const noEnd = Object.fromEntries(m.info.tokens.endOfGeneration.map((t) => [t, -100]));
  const options =
    mode === "sampled"
      ? { temperature: 0.8, topK: 40, topP: 0.95, seed: 1 }
      : mode === "logprobs"
        ? { temperature: 0, logprobs: 5, stop: ["\u0000never"] }
        : { temperature: 0 };
  await m.generate([bos], { maxTokens: 4, temperature: 0, cachePrompt: false }).result;
  recording = true;
  const stream = m.generate([bos], {
    ...options,
    maxTokens: tokens + 1,
    cachePrompt: false,
    logitBias: noEnd,
  });
  // A consumer like the server's: it reads every chunk as it comes.
  let chars = 0;
  for await (const chunk of stream) chars += chunk.text.length;
  const r = await stream.result;
  recording = false;
  await m.dispose();
  // Hand-off latency: a trivial native call on the worker pool and back, as decodeAsync does.
  const api = loadLlama("cpu").api;
  const hops: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await new Promise<void>((done) => api.time_us.async(() => done()));
    hops.push((performance.now() - t0) * 1000);
  }
  // The first step evaluates the prompt; the generation steps follow.
  const gen = steps.slice(1);
  const perToken = Object.fromEntries(
    FIELDS.map((f) => [f, summarize(gen.map((s) => s[f])).median] as const),
  );
  void chars;
  return { rate: r.stats.tokensPerSecond, perToken, hopUs: summarize(hops).median, steps: gen.length };
}

if (values.part !== undefined) {
  process.stdout.write(`RESULT ${JSON.stringify(await part(values.part))}\n`);
} else {
  const out = checkOutput(values.out);
  const root = resolve(new URL("..", import.meta.url).pathname);
  const rounds = Number(values.rounds);
  const modes = values.modes.split(",");
  const atlasSide = (mode: string, lib: string | undefined) => ({
    name: `atlas ${mode}${lib === undefined ? "" : " native-lib"}`,
    run: (): PartResult => {
      const text = execFileSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "bench/timeline.ts",
          "--model",
          model,
          "--tokens",
          String(tokens),
          "--threads",
          String(threads),
          ...(values.poll === undefined ? [] : ["--poll", values.poll]),
          "--part",
          mode,
        ],
        {
          cwd: root,
          encoding: "utf8",
          stdio: ["ignore", "pipe", "ignore"],
          env: { ...process.env, ...(lib === undefined ? {} : { ATLAS_LLAMA_LIB_DIR: lib }) },
          maxBuffer: 1 << 24,
        },
      );
      const line = text.split("\n").find((l) => l.startsWith("RESULT "));
      if (line === undefined) throw new Error(`atlas ${mode} printed no result`);
      return JSON.parse(line.slice(7)) as PartResult;
    },
  });
  const sides = [
    ...modes.map((m) => atlasSide(m, undefined)),
    ...(values["native-lib"] === undefined ? [] : modes.map((m) => atlasSide(m, values["native-lib"]))),
    ...(values["llama-bench"] === undefined
      ? []
      : [
          {
            name: "llama-bench",
            run: (): PartResult => {
              const text = execFileSync(
                values["llama-bench"]!,
                [
                  "-m",
                  model,
                  "-p",
                  "0",
                  "-n",
                  String(tokens),
                  "-r",
                  "1",
                  "-t",
                  String(threads),
                  "-fa",
                  "1",
                  "-o",
                  "json",
                ],
                { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
              );
              const rate = (JSON.parse(text) as { avg_ts: number }[])[0]!.avg_ts;
              return { rate, perToken: { decodeMs: 1000 / rate }, hopUs: 0, steps: tokens };
            },
          },
        ]),
  ];
  const results = new Map<string, PartResult[]>(sides.map((s) => [s.name, []]));
  const log: { round: number; side: string; result: PartResult; at: string }[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = sides.map((_, i) => sides[(i + round) % sides.length]!);
    for (const side of order) {
      const result = side.run();
      results.get(side.name)!.push(result);
      log.push({ round, side: side.name, result, at: new Date().toISOString() });
      console.log(
        `round ${round + 1}/${rounds} ${side.name}: ${result.rate.toFixed(2)} tok/s, ` +
          Object.entries(result.perToken)
            .map(([k, v]) => `${k} ${v.toFixed(3)}`)
            .join(" "),
      );
    }
  }
  const summary: Record<string, { rate: Summary; perToken: Record<string, Summary>; hopUs: Summary }> = {};
  for (const [name, rs] of results) {
    const keys = Object.keys(rs[0]?.perToken ?? {});
    summary[name] = {
      rate: summarize(rs.map((r) => r.rate)),
      perToken: Object.fromEntries(keys.map((k) => [k, summarize(rs.map((r) => r.perToken[k]!))])),
      hopUs: summarize(rs.map((r) => r.hopUs)),
    };
  }
  // Per-round ratios of each atlas side to llama-bench (the same round's run).
  const ratios: Record<string, Summary> = {};
  const reference = results.get("llama-bench");
  if (reference !== undefined)
    for (const [name, rs] of results)
      if (name !== "llama-bench") ratios[name] = summarize(rs.map((r, i) => r.rate / reference[i]!.rate));
  writeReport(out, {
    benchmark: "timeline",
    model,
    threads,
    tokens,
    rounds,
    summary,
    ratiosToLlamaBench: ratios,
    rounds_log: log,
  });
}
