/**
 * Batched decoding, atlas vs llama.cpp's own `llama-batched-bench`, measured alternately in several rounds
 * (this kind of shared VM drifts by ±10% within minutes; alternating keeps both sides under the same
 * conditions and the median tames the outliers). Generation-phase throughput with 1, 2 and 4 sequences,
 * 64 new tokens each after a 2-token prompt, flash attention on, same thread count.
 *
 *   npx tsx bench/batched.ts --model /tmp/atlas-2b-q4_k_m.gguf --batched-bench /path/to/llama-batched-bench --out /tmp/batched.json [--rounds 6]
 *
 * Writes the JSON to --out (never overwriting a file): per-round rates and median/min/max per side.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { aggregateThroughput } from "./aggregate-throughput.js";
import { runLlamaBatchedBench } from "./llama-batched-bench.js";
import { checkOutput, summarize, writeReport } from "./report.js";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    "batched-bench": { type: "string" },
    threads: { type: "string", default: "2" },
    gpu: { type: "string", default: "cpu" },
    rounds: { type: "string", default: "5" },
    child: { type: "boolean" },
    out: { type: "string" },
  },
});
if (values.model === undefined) throw new Error("--model <gguf> is required");
const model = values.model;
const threads = Number(values.threads);
const PARALLEL = [1, 2, 4];
const TOKENS = 64;

async function atlasRound(): Promise<number[]> {
  const { LlamaEngine } = await import("../src/engine/index.js");
  const engine = await new LlamaEngine().loadModel(model, {
    gpu: values.gpu as "cpu",
    threads,
    contextSize: 1024,
    sequences: 4,
    flashAttention: "on",
  });
  const bos = engine.info.tokens.bos!;
  // One warm-up generation, then the measured ones.
  await engine.generate([bos, 1000], { maxTokens: 8, temperature: 0, cachePrompt: false }).result;
  const out: number[] = [];
  for (const n of PARALLEL) out.push(await aggregateThroughput(engine, n, TOKENS));
  await engine.dispose();
  return out;
}

if (values.child === true) {
  process.stdout.write(`RESULT ${JSON.stringify(await atlasRound())}\n`);
} else {
  const out = checkOutput(values.out);
  if (values["batched-bench"] === undefined)
    throw new Error("--batched-bench <path to llama-batched-bench> is required");
  const root = resolve(new URL("..", import.meta.url).pathname);
  const atlas: number[][] = [];
  const llama: number[][] = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    const child = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        join(root, "bench", "batched.ts"),
        "--model",
        model,
        "--threads",
        String(threads),
        "--gpu",
        values.gpu,
        "--child",
      ],
      { encoding: "utf8" },
    );
    const line = child.stdout.split("\n").find((l) => l.startsWith("RESULT "));
    if (line === undefined) throw new Error(`atlas round failed:\n${child.stderr}`);
    atlas.push(JSON.parse(line.slice(7)) as number[]);
    llama.push(
      runLlamaBatchedBench({
        path: values["batched-bench"],
        model,
        threads,
        tokens: TOKENS,
        parallel: PARALLEL,
      }),
    );
    console.log(
      `round ${round}: atlas ${atlas
        .at(-1)!
        .map((x) => x.toFixed(2))
        .join(" ")} | llama.cpp ${llama
        .at(-1)!
        .map((x) => x.toFixed(2))
        .join(" ")}`,
    );
  }
  const summary = Object.fromEntries(
    PARALLEL.map((n, i) => {
      const a = summarize(atlas.map((r) => r[i]!));
      const l = summarize(llama.map((r) => r[i]!));
      return [`n${n}`, { atlas: a, llamaBatchedBench: l, ratioOfMedians: a.median / l.median }];
    }),
  );
  console.log(summary);
  writeReport(out, {
    benchmark: "batched",
    model,
    threads,
    tokens: TOKENS,
    rounds: { atlas, llama },
    summary,
  });
}
