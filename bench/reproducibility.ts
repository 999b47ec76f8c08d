/**
 * What is reproducible, and what batch invariance costs (issues 7 and 13), on one model file:
 *   - 8 greedy prompts (presence penalty 50, so a random-weight model emits distinct tokens) run alone,
 *     all at once on 4 sequences, again with the prompt cache warm, and in another process;
 *   - a continuation's log-likelihood scored alone and beside three generations, and in another process;
 * in the default mode and with `batchInvariant`; then throughput in both modes: prompt evaluation
 * (512 tokens), single-stream generation and aggregate generation with 4 sequences (median of rounds).
 *
 *   npx tsx bench/reproducibility.ts --model /tmp/atlas-2b-q4_k_m.gguf --out /tmp/repro.json [--rounds 3]
 */
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { LlamaEngine, type EngineModel, type GenerateOptions } from "../src/engine/index.js";
import { aggregateThroughput } from "./aggregate-throughput.js";
import { checkOutput, summarize, writeReport } from "./report.js";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    out: { type: "string" },
    rounds: { type: "string", default: "3" },
    threads: { type: "string", default: "2" },
    child: { type: "string" },
    tokens: { type: "string", default: "48" },
  },
});
const modelPath = values.model!;
const threads = Number(values.threads);
const TOKENS = Number(values.tokens);
const PROMPTS = [
  "<bos><start_of_turn>user\nشنو كيتسمى المنتخب المغربي ؟<end_of_turn>\n<start_of_turn>model\n",
  "<bos>salam, labas 3lik?",
  "<bos>Le match était très beau.",
  "<bos>wach nta mzyan?",
  "<bos>The weather is nice today.",
  "<bos>اشنو هو الطاجين؟",
  "<bos>7na ghadi nmchiw l-bhar",
  "<bos>bghit nmchi l-casa ghedda f sba7",
];

async function load(invariant: boolean, sequences: number): Promise<EngineModel> {
  return new LlamaEngine().loadModel(modelPath, {
    gpu: "cpu",
    threads,
    contextSize: 1024,
    sequences,
    ...(invariant ? { batchInvariant: true } : { flashAttention: "on" as const }),
  });
}

function options(model: EngineModel, extra: GenerateOptions = {}): GenerateOptions {
  const noEnd = Object.fromEntries(model.info.tokens.endOfGeneration.map((t) => [t, -100]));
  return { temperature: 0, maxTokens: TOKENS, presencePenalty: 50, logitBias: noEnd, ...extra };
}

/** Greedy tokens of every prompt run one at a time, and the first one's continuation score. */
async function alone(invariant: boolean): Promise<{ tokens: number[][]; score: number }> {
  const model = await load(invariant, 4);
  const prompts = PROMPTS.map((p) => model.tokenize(p, { parseSpecial: true }));
  const tokens: number[][] = [];
  for (const p of prompts)
    tokens.push((await model.generate(p, options(model, { cachePrompt: false })).result).tokens);
  const [s] = await model.score(prompts[0]!, [tokens[0]!], { cachePrompt: false });
  await model.dispose();
  return { tokens, score: s!.logprob };
}

if (values.child !== undefined) {
  process.stdout.write(`${JSON.stringify(await alone(values.child === "invariant"))}\n`);
  process.exit(0);
}
const out = checkOutput(values.out);
const root = resolve(new URL("..", import.meta.url).pathname);

async function reproducibility(invariant: boolean): Promise<Record<string, unknown>> {
  const reference = await alone(invariant);
  const model = await load(invariant, 4);
  const prompts = PROMPTS.map((p) => model.tokenize(p, { parseSpecial: true }));
  const together = await Promise.all(
    prompts.map((p) => model.generate(p, options(model, { cachePrompt: false })).result),
  );
  const cached = await Promise.all(prompts.map((p) => model.generate(p, options(model)).result));
  const [beside] = await Promise.all([
    model.score(prompts[0]!, [reference.tokens[0]!]),
    ...prompts.slice(1, 4).map((p) => model.generate(p, options(model)).result),
  ]);
  await model.dispose();
  const text = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "bench/reproducibility.ts",
      "--model",
      modelPath,
      "--threads",
      String(threads === 2 ? 1 : 2),
      "--tokens",
      String(TOKENS),
      "--child",
      invariant ? "invariant" : "default",
    ],
    { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
  const other = JSON.parse(text.trim().split("\n").at(-1)!) as { tokens: number[][]; score: number };
  const same = (xs: { tokens: number[] }[] | number[][]): number =>
    xs.filter(
      (x, i) => JSON.stringify(Array.isArray(x) ? x : x.tokens) === JSON.stringify(reference.tokens[i]),
    ).length;
  return {
    prompts: PROMPTS.length,
    sameTokensConcurrent: same(together),
    sameTokensCachedConcurrent: same(cached),
    sameTokensOtherProcessOtherThreads: same(other.tokens),
    scoreAlone: reference.score,
    scoreBesideThreeGenerations: beside[0]!.logprob,
    scoreOtherProcessOtherThreads: other.score,
  };
}

/** One round of throughput in one mode. */
async function throughputRound(
  invariant: boolean,
  r: number,
): Promise<{ pp: number; tg: number; b4: number }> {
  const single = await load(invariant, 1);
  const bos = single.info.tokens.bos!;
  const v = single.info.vocabSize;
  const prompt = [
    bos,
    ...Array.from({ length: 511 }, (_, i) => Math.floor(v / 4) + ((i * 7919 + r) % Math.floor(v / 2))),
  ];
  const p = (await single.generate(prompt, { maxTokens: 0, cachePrompt: false }).result).stats;
  const g = (
    await single.generate([bos], options(single, { maxTokens: 129, presencePenalty: 0, cachePrompt: false }))
      .result
  ).stats;
  await single.dispose();
  const four = await load(invariant, 4);
  const b4 = await aggregateThroughput(four, 4, 64, r);
  await four.dispose();
  return { pp: (512 * 1000) / p.promptMs, tg: g.tokensPerSecond, b4 };
}

const rounds = Number(values.rounds);
const result: Record<string, unknown> = { model: modelPath, threads, tokensPerPrompt: TOKENS };
for (const invariant of [false, true]) {
  const mode = invariant ? "batchInvariant" : "default";
  console.log(`${mode}: reproducibility…`);
  result[`${mode}Reproducibility`] = await reproducibility(invariant);
  console.log(JSON.stringify(result[`${mode}Reproducibility`]));
}
// Throughput: the two modes alternate within each round (this VM drifts by ±10% within minutes).
const rates = {
  default: { pp: [] as number[], tg: [] as number[], b4: [] as number[] },
  batchInvariant: { pp: [] as number[], tg: [] as number[], b4: [] as number[] },
};
for (let r = 0; r < rounds; r++) {
  for (const invariant of r % 2 === 0 ? [false, true] : [true, false]) {
    const x = await throughputRound(invariant, r);
    const side = rates[invariant ? "batchInvariant" : "default"];
    side.pp.push(x.pp);
    side.tg.push(x.tg);
    side.b4.push(x.b4);
    console.log(`round ${r + 1} ${invariant ? "batchInvariant" : "default"}: ${JSON.stringify(x)}`);
  }
}
for (const [mode, side] of Object.entries(rates)) {
  result[`${mode}Throughput`] = {
    pp512: summarize(side.pp),
    tg128: summarize(side.tg),
    aggregate4: summarize(side.b4),
  };
}
writeReport(out, result);
