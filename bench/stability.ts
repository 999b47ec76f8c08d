/**
 * Generation speed against llama.cpp's own tools (issues 13 and 25): many alternating rounds of the same
 * measurements, each a fresh process (what a user's `atlas run` sees), so a side that intermittently
 * collapses shows up as slow rounds. Per side: median/min/max tok/s and the share of rounds slower than
 * half its median; per atlas side: the median of its per-round ratios to the llama.cpp tool it is
 * measured against (the same round's run of that tool).
 *
 * Sides, in a rotating order each round:
 *   - single stream, `--tokens` tokens after BOS: atlas greedy and atlas sampled (temperature 0.8, top-k
 *     40, top-p 0.95, min-p 0.05) against `llama-bench -p 0 -n N` (which does not sample) and, with
 *     `--completion`, against `llama-completion` greedy and sampled (its "eval time");
 *   - `--parallel` sequences of 64 tokens: atlas against `llama-batched-bench` (S_TG);
 *   - every atlas side once with the prebuilt library and, with `--native-lib DIR`, once more with a
 *     native build of the same llama.cpp commit (ATLAS_LLAMA_LIB_DIR=DIR): the "runtime-selected CPU
 *     variant vs native OpenMP build" question;
 *   - atlas runs with its defaults (threads, poll, …) unless `--threads`/`--poll` are given; llama.cpp's
 *     tools with theirs except `-t` (the same thread count as atlas's default: the machine's cores).
 *
 * `--background 0,1,2` repeats everything with that many busy processes (one busy loop each) beside the
 * measured one — the contended case, where a compute thread that is descheduled stalls ggml's barriers.
 *
 * Full series (the defaults: 12 rounds, 0/1/2 busy processes; 9B: `--rounds 4`):
 *   npx tsx bench/stability.ts --model /work/models/atlas-2b-q4_k_m.gguf \
 *     --llama-bench /work/llama-native/build/bin/llama-bench \
 *     --batched-bench /work/llama-native/build/bin/llama-batched-bench \
 *     --completion /work/llama-native/build/bin/llama-completion \
 *     --native-lib /work/llama-native/atlas-lib --out bench/results/stability-DATE.json
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { runLlamaBatchedBench } from "./llama-batched-bench.js";
import { checkOutput, slowShare, summarize, writeReport } from "./report.js";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    "llama-bench": { type: "string" },
    "batched-bench": { type: "string" },
    completion: { type: "string" },
    "native-lib": { type: "string" },
    rounds: { type: "string", default: "12" },
    tokens: { type: "string", default: "128" },
    parallel: { type: "string", default: "4" },
    threads: { type: "string" },
    poll: { type: "string", multiple: true },
    background: { type: "string", default: "0,1,2" },
    "split-kv": { type: "boolean", default: false },
    "no-batched": { type: "boolean", default: false },
    out: { type: "string" },
  },
});
const out = checkOutput(values.out);
if (values.model === undefined || values["llama-bench"] === undefined)
  throw new Error("--model and --llama-bench are required");
const model = values.model;
const rounds = Number(values.rounds);
/** llama.cpp's tools get atlas's default thread count (the cores) unless --threads says otherwise. */
const threads = values.threads ?? String(cpus().length);
const polls: (number | undefined)[] = values.poll === undefined ? [undefined] : values.poll.map(Number);
const backgrounds = values.background.split(",").map(Number);
const root = resolve(new URL("..", import.meta.url).pathname);

interface AtlasRun {
  mode: "tg" | "batched";
  poll: number | undefined;
  sampled?: boolean;
  splitKv?: boolean;
  lib?: string | undefined;
}

function atlas(o: AtlasRun): number {
  const text = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "bench/atlas-probe.ts",
      "--model",
      model,
      "--mode",
      o.mode,
      "--tokens",
      o.mode === "tg" ? values.tokens : "64",
      "--parallel",
      values.parallel,
      ...(values.threads === undefined ? [] : ["--threads", values.threads]),
      ...(o.poll === undefined ? [] : ["--poll", String(o.poll)]),
      ...(o.splitKv === true ? ["--split-kv"] : []),
      ...(o.sampled === true ? ["--sampled"] : []),
    ],
    {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      env: { ...process.env, ...(o.lib === undefined ? {} : { ATLAS_LLAMA_LIB_DIR: o.lib }) },
    },
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

/** llama-completion's generation rate ("eval time … tokens per second") after an empty prompt (BOS). */
function completionRate(sampled: boolean): number {
  const sampling = sampled
    ? ["--temp", "0.8", "--top-k", "40", "--top-p", "0.95", "--min-p", "0.05", "--seed", "1"]
    : ["--temp", "0"];
  const args = ["-m", model, "-p", "", "-n", values.tokens, "-t", threads, "-fa", "on", "-c", "1024"];
  const run = spawnSync(values.completion!, [...args, "--ignore-eos", "-no-cnv", ...sampling], {
    encoding: "utf8",
    stdio: ["ignore", "ignore", "pipe"],
    maxBuffer: 1 << 26,
  });
  // Its timings are printed on stderr: "common_perf_print: eval time = … ( … tokens per second)".
  const line = run.stderr.split("\n").find((l) => /\beval time =/.test(l) && !l.includes("prompt eval"));
  const match = line === undefined ? null : /([\d.]+) tokens per second/.exec(line);
  if (match === null) throw new Error(`llama-completion printed no eval time:\n${run.stderr.slice(-2000)}`);
  return Number(match[1]);
}

interface Side {
  name: string;
  /** The llama.cpp side this one's per-round ratio is taken against. */
  versus?: string;
  run: () => number;
}

const libs: [string, string | undefined][] = [
  ["", undefined],
  ...(values["native-lib"] === undefined
    ? []
    : ([[" native-lib", values["native-lib"]]] as [string, string][])),
];
const pollName = (p: number | undefined): string => (p === undefined ? "" : ` poll=${p}`);
const sides: Side[] = [{ name: "llama-bench tg", run: llamaBench }];
if (values.completion !== undefined)
  sides.push(
    { name: "llama-completion greedy", run: () => completionRate(false) },
    { name: "llama-completion sampled", run: () => completionRate(true) },
  );
for (const [suffix, lib] of libs)
  for (const poll of polls) {
    sides.push({
      name: `atlas tg greedy${pollName(poll)}${suffix}`,
      versus: values.completion === undefined ? "llama-bench tg" : "llama-completion greedy",
      run: () => atlas({ mode: "tg", poll, lib }),
    });
    sides.push({
      name: `atlas tg sampled${pollName(poll)}${suffix}`,
      versus: values.completion === undefined ? "llama-bench tg" : "llama-completion sampled",
      run: () => atlas({ mode: "tg", poll, lib, sampled: true }),
    });
  }
if (values["batched-bench"] !== undefined && !values["no-batched"]) {
  sides.push({
    name: "llama-batched-bench",
    run: () =>
      runLlamaBatchedBench({
        path: values["batched-bench"]!,
        model,
        threads: Number(threads),
        tokens: 64,
        parallel: [Number(values.parallel)],
      })[0]!,
  });
  for (const [suffix, lib] of libs)
    for (const poll of polls) {
      sides.push({
        name: `atlas batched${pollName(poll)}${suffix}`,
        versus: "llama-batched-bench",
        run: () => atlas({ mode: "batched", poll, lib }),
      });
      if (values["split-kv"])
        sides.push({
          name: `atlas batched split-kv${pollName(poll)}${suffix}`,
          versus: "llama-batched-bench",
          run: () => atlas({ mode: "batched", poll, lib, splitKv: true }),
        });
    }
}
// llama-bench as the reference of every tg side too (it does not sample: the hardest comparison).
for (const side of sides)
  if (side.name.startsWith("atlas tg") && side.versus !== "llama-bench tg") side.versus ??= "llama-bench tg";

const levels: Record<string, unknown> = {};
const log: { background: number; round: number; side: string; rate: number; at: string }[] = [];
for (const background of backgrounds) {
  const hogs = Array.from({ length: background }, () =>
    spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }),
  );
  const kill = (): void => hogs.forEach((h) => h.kill("SIGKILL"));
  process.on("exit", kill);
  const perSide = new Map<string, number[]>(sides.map((s) => [s.name, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      // Rotate the order so no side always runs first (or right after the same neighbour).
      const order = sides.map((_, i) => sides[(i + round) % sides.length]!);
      for (const side of order) {
        const rate = side.run();
        perSide.get(side.name)!.push(rate);
        log.push({ background, round, side: side.name, rate, at: new Date().toISOString() });
        console.log(`busy ${background} round ${round + 1}/${rounds} ${side.name}: ${rate.toFixed(2)} tok/s`);
      }
    }
  } finally {
    kill();
  }
  const summary = Object.fromEntries(
    sides.map((s) => {
      const xs = perSide.get(s.name)!;
      const entry: Record<string, unknown> = { ...summarize(xs), slowShare: slowShare(xs) };
      const reference = s.versus === undefined ? undefined : perSide.get(s.versus);
      if (reference !== undefined) {
        entry.versus = s.versus;
        entry.perRoundRatio = summarize(xs.map((x, i) => x / reference[i]!));
        if (s.versus !== "llama-bench tg")
          entry.perRoundRatioToLlamaBench = summarize(
            xs.map((x, i) => x / perSide.get("llama-bench tg")![i]!),
          );
      }
      return [s.name, entry];
    }),
  );
  levels[`busy${background}`] = summary;
}
writeReport(out, {
  model,
  threads: values.threads === undefined ? `atlas default; llama.cpp -t ${threads}` : Number(threads),
  backgroundBusyProcesses: backgrounds,
  tokens: Number(values.tokens),
  parallel: Number(values.parallel),
  rounds,
  summary: levels,
  rounds_log: log,
});
