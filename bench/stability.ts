/**
 * Speed you can count on (issue 13): many alternating rounds of the same measurement, atlas and
 * llama.cpp's own tools, each round a fresh process, so a side that intermittently collapses shows up as
 * slow rounds. Per side: median/min/max tok/s and the share of rounds slower than half its median.
 *
 * Sides (in rotating order each round): atlas at each `--poll` level and llama-bench, single-stream
 * generation of `--tokens` tokens (tg, like `llama-bench -n`); then atlas at each poll level and
 * llama-batched-bench with `--parallel` sequences of 64 tokens.
 *
 * `--split-kv` adds atlas batched sides with one KV stream per sequence (`unifiedKv: false`, as
 * llama-batched-bench runs without `-kvu`), to compare with atlas's default unified KV cache.
 *
 * `--background N` keeps N busy processes (one busy loop each) running for the whole benchmark: the
 * contended case, where a compute thread that gets descheduled stalls ggml's spinning barriers.
 *
 *   npx tsx bench/stability.ts --model /tmp/atlas-2b-q4_k_m.gguf --llama-bench …/llama-bench \
 *     --batched-bench …/llama-batched-bench --rounds 20 --poll 0 --poll 50 --out /tmp/stability.json
 */
import { execFileSync, spawn } from "node:child_process";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { runLlamaBatchedBench } from "./llama-batched-bench.js";
import { checkOutput, slowShare, summarize, writeReport } from "./report.js";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    "llama-bench": { type: "string" },
    "batched-bench": { type: "string" },
    rounds: { type: "string", default: "20" },
    tokens: { type: "string", default: "128" },
    parallel: { type: "string", default: "4" },
    threads: { type: "string", default: "2" },
    poll: { type: "string", multiple: true },
    background: { type: "string", default: "0" },
    "split-kv": { type: "boolean", default: false },
    out: { type: "string" },
  },
});
const out = checkOutput(values.out);
if (
  values.model === undefined ||
  values["llama-bench"] === undefined ||
  values["batched-bench"] === undefined
)
  throw new Error("--model, --llama-bench and --batched-bench are required");
const model = values.model;
const rounds = Number(values.rounds);
const threads = values.threads;
const polls = (values.poll ?? ["0"]).map(Number);
const root = resolve(new URL("..", import.meta.url).pathname);

function atlas(mode: "tg" | "batched", poll: number, splitKv = false): number {
  const text = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "bench/atlas-probe.ts",
      "--model",
      model,
      "--mode",
      mode,
      "--tokens",
      mode === "tg" ? values.tokens : "64",
      "--parallel",
      values.parallel,
      "--threads",
      threads,
      "--poll",
      String(poll),
      ...(splitKv ? ["--split-kv"] : []),
    ],
    { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
  return (JSON.parse(text.trim().split("\n").at(-1)!) as { rate: number }).rate;
}

function llamaBench(): number {
  const text = execFileSync(
    values["llama-bench"]!,
    ["-m", model, "-p", "0", "-n", values.tokens, "-r", "1", "-t", threads, "-fa", "1", "-o", "json"],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
  return (JSON.parse(text) as { avg_ts: number }[])[0]!.avg_ts;
}

const sides: { name: string; run: () => number }[] = [
  ...polls.map((p) => ({ name: `atlas tg poll=${p}`, run: () => atlas("tg", p) })),
  { name: "llama-bench tg", run: llamaBench },
  ...polls.map((p) => ({ name: `atlas batched poll=${p}`, run: () => atlas("batched", p) })),
  ...(values["split-kv"]
    ? polls.map((p) => ({ name: `atlas batched split-kv poll=${p}`, run: () => atlas("batched", p, true) }))
    : []),
  {
    name: "llama-batched-bench",
    run: () =>
      runLlamaBatchedBench({
        path: values["batched-bench"]!,
        model,
        threads: Number(threads),
        tokens: 64,
        parallel: [Number(values.parallel)],
      })[0]!,
  },
];
const hogs = Array.from({ length: Number(values.background) }, () =>
  spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }),
);
process.on("exit", () => hogs.forEach((h) => h.kill("SIGKILL")));
const perSide = new Map<string, number[]>(sides.map((s) => [s.name, []]));
const log: { round: number; side: string; rate: number; at: string }[] = [];
for (let round = 0; round < rounds; round++) {
  // Rotate the order so no side always runs first (or right after the same neighbour).
  const order = sides.map((_, i) => sides[(i + round) % sides.length]!);
  for (const side of order) {
    const rate = side.run();
    perSide.get(side.name)!.push(rate);
    log.push({ round, side: side.name, rate, at: new Date().toISOString() });
    console.log(`round ${round + 1}/${rounds} ${side.name}: ${rate.toFixed(2)} tok/s`);
  }
}
const summary = Object.fromEntries(
  [...perSide].map(([name, xs]) => [name, { ...summarize(xs), slowShare: slowShare(xs) }]),
);
for (const hog of hogs) hog.kill("SIGKILL");
writeReport(out, {
  model,
  threads: Number(threads),
  backgroundBusyProcesses: hogs.length,
  tokens: Number(values.tokens),
  parallel: Number(values.parallel),
  summary,
  rounds: log,
});
