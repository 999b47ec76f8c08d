/**
 * One measured atlas run in a fresh process (what a user's `atlas run` would see), for the alternating
 * benchmarks: loads the model, warms up, then measures single-stream generation (`--mode tg`, like
 * `llama-bench -n N`) or aggregate generation with N sequences (`--mode batched`, like
 * `llama-batched-bench -npl N`). Prints one JSON line.
 *
 *   npx tsx bench/atlas-probe.ts --model M --mode tg --tokens 128 [--threads N] [--poll P] [--invariant]
 *       [--split-kv]   (one KV stream per sequence, as llama-batched-bench without -kvu; default unified)
 *       [--sampled]    (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, seed 1, as llama-completion's
 *                       defaults; default greedy)
 * `--threads`/`--poll` default to atlas's own defaults (what `atlas run` uses).
 */
import { parseArgs } from "node:util";
import { LlamaEngine } from "../src/engine/index.js";
import { aggregateThroughput } from "./aggregate-throughput.js";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    mode: { type: "string", default: "tg" },
    tokens: { type: "string", default: "128" },
    parallel: { type: "string", default: "4" },
    threads: { type: "string" },
    poll: { type: "string" },
    sampled: { type: "boolean", default: false },
    invariant: { type: "boolean", default: false },
    "split-kv": { type: "boolean", default: false },
    gpu: { type: "string", default: "cpu" },
  },
});
const tokens = Number(values.tokens);
const parallel = values.mode === "tg" ? 1 : Number(values.parallel);
const model = await new LlamaEngine().loadModel(values.model!, {
  gpu: values.gpu as "cpu",
  ...(values.threads === undefined ? {} : { threads: Number(values.threads) }),
  ...(values.poll === undefined ? {} : { threadPoll: Number(values.poll) }),
  contextSize: 1024,
  sequences: parallel,
  ...(values["split-kv"] ? { unifiedKv: false } : {}),
  ...(values.invariant ? { batchInvariant: true } : { flashAttention: "on" as const }),
});
const bos = model.info.tokens.bos!;
await model.generate([bos], { maxTokens: 4, temperature: 0, cachePrompt: false }).result;
let rate: number;
if (values.mode === "tg") {
  // Like llama-bench's tg: N tokens after BOS, rate over the generated tokens.
  const noEnd = Object.fromEntries(model.info.tokens.endOfGeneration.map((t) => [t, -100]));
  const sampling = values.sampled
    ? { temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05, seed: 1 }
    : { temperature: 0 };
  const r = await model.generate([bos], {
    ...sampling,
    maxTokens: tokens + 1,
    cachePrompt: false,
    logitBias: noEnd,
  }).result;
  rate = r.stats.tokensPerSecond;
} else {
  rate = await aggregateThroughput(
    model,
    parallel,
    tokens,
    0,
    values.sampled ? { temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05, seed: 1 } : {},
  );
}
await model.dispose();
process.stdout.write(
  `${JSON.stringify({ rate, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);
