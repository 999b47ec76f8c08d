/**
 * Scoring overhead per scored position (issue 13): the time of `score(context, [continuation])` minus the
 * time of a plain evaluation of the same tokens that asks for no logits but the last (`maxTokens: 0`),
 * divided by the scored positions; and the JavaScript/WebAssembly part alone (log-sum-exp + argmax over
 * the vocabulary). Both engine modes, alternating, median of rounds.
 *
 *   npx tsx bench/scoring.ts --model /tmp/atlas-2b-q4_k_m.gguf --out /tmp/scoring.json [--rounds 5]
 */
import { parseArgs } from "node:util";
import { LlamaEngine, type EngineModel } from "../src/engine/index.js";
import { reduceLogits } from "../src/engine/log-softmax.js";
import { checkOutput, summarize, writeReport } from "./report.js";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    out: { type: "string" },
    rounds: { type: "string", default: "5" },
    threads: { type: "string", default: "2" },
    context: { type: "string", default: "150" },
    continuation: { type: "string", default: "25" },
  },
});
const out = checkOutput(values.out);
const CONTEXT = Number(values.context);
const CONT = Number(values.continuation);

async function load(invariant: boolean): Promise<EngineModel> {
  return new LlamaEngine().loadModel(values.model!, {
    gpu: "cpu",
    threads: Number(values.threads),
    contextSize: 1024,
    sequences: 4,
    ...(invariant ? { batchInvariant: true } : { flashAttention: "on" as const }),
  });
}

async function round(
  invariant: boolean,
  r: number,
): Promise<{ perPositionMs: number; plainMs: number; scoreMs: number }> {
  const model = await load(invariant);
  const bos = model.info.tokens.bos!;
  const v = model.info.vocabSize;
  const tokens = Array.from(
    { length: CONTEXT + CONT - 1 },
    (_, i) => Math.floor(v / 4) + ((i * 7919 + r * 31) % Math.floor(v / 2)),
  );
  const context = [bos, ...tokens.slice(0, CONTEXT - 1)];
  const continuation = tokens.slice(CONTEXT - 1);
  await model.generate([bos, 5], { maxTokens: 1, cachePrompt: false }).result; // warm-up
  let t = performance.now();
  await model.generate([...context, ...continuation.slice(0, -1)], { maxTokens: 0, cachePrompt: false })
    .result;
  const plainMs = performance.now() - t;
  t = performance.now();
  await model.score(context, [continuation], { cachePrompt: false });
  const scoreMs = performance.now() - t;
  await model.dispose();
  // The plain run already computes one output row (the last); scoring computes CONT.
  return { perPositionMs: (scoreMs - plainMs) / (CONT - 1), plainMs, scoreMs };
}

const vocab = 256000;
const logits = Float32Array.from({ length: vocab }, (_, i) => Math.sin(i * 0.37) * 12);
const reduceMs: number[] = [];
for (let k = 0; k < 50; k++) {
  const t = performance.now();
  reduceLogits(logits);
  if (k >= 5) reduceMs.push(performance.now() - t);
}
const rounds = Number(values.rounds);
const per = { default: [] as number[], batchInvariant: [] as number[] };
const raw: unknown[] = [];
for (let r = 0; r < rounds; r++) {
  for (const invariant of r % 2 === 0 ? [false, true] : [true, false]) {
    const x = await round(invariant, r);
    per[invariant ? "batchInvariant" : "default"].push(x.perPositionMs);
    raw.push({ round: r, invariant, ...x });
    console.log(`round ${r + 1} ${invariant ? "batchInvariant" : "default"}: ${JSON.stringify(x)}`);
  }
}
writeReport(out, {
  model: values.model,
  contextTokens: CONTEXT,
  continuationTokens: CONT,
  reduceLogitsMsPerPosition: summarize(reduceMs),
  overheadMsPerScoredPosition: {
    default: summarize(per.default),
    batchInvariant: summarize(per.batchInvariant),
  },
  rounds: raw,
});
