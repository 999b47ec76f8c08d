/**
 * Benchmark of `atlas eval` (issue #10), on one model in one process, alternating nothing else:
 *   1. a Belebele-shaped 4-choice task (≈150-token contexts, one-letter answers): items per minute of the
 *      evaluator's runner (each item's context evaluated once and shared by its choices, many items in
 *      flight) vs naive scoring (each choice with its full context, one at a time, `cachePrompt: false`);
 *   2. a translation task: generated tokens per second with 4 requests in flight vs 1.
 * The model is loaded as eval loads it (`batchInvariant: true`, 4 sequences).
 *
 *   npx tsx bench/eval.ts --model /tmp/atlas-2b-q4_k_m.gguf --out bench/results/eval-<date>.json [--items 48]
 *
 * Refuses to overwrite an existing --out file.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { checkOutput, writeReport } from "./report.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  embeddedEvalModel,
  loadModel,
  resolveTasks,
  runEvaluation,
  type AtlasModel,
  type EvalModel,
} from "../src/index.js";
import { machineInfo } from "./machine.js";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    out: { type: "string" },
    items: { type: "string", default: "48" },
    "translation-items": { type: "string", default: "8" },
    threads: { type: "string", default: "2" },
    gpu: { type: "string", default: "cpu" },
  },
});
if (values.model === undefined || values.out === undefined)
  throw new Error("usage: npx tsx bench/eval.ts --model <gguf> --out <file.json> [--items N]");
const out = checkOutput(values.out);
const items = Number(values.items);
const translationItems = Number(values["translation-items"]);

const WORDS = [
  "الدار",
  "كبيرة",
  "فيها",
  "جوج",
  "بيوت",
  "والعائلة",
  "كاملة",
  "كتجي",
  "نهار",
  "الجمعة",
  "باش",
  "تاكل",
  "الكسكس",
  "مع",
  "بعضياتها",
];

function words(seed: number, count: number): string {
  return Array.from({ length: count }, (_, i) => WORDS[(seed * 7 + i * 3 + i * i) % WORDS.length]).join(" ");
}

/** A passage of about `tokens` tokens for this model's tokenizer. */
function passage(model: AtlasModel, seed: number, tokens: number): string {
  let n = 8;
  while (model.tokenize(words(seed, n)).length < tokens) n += 4;
  return words(seed, n);
}

function writeRows(dir: string, repo: string, config: string, split: string, rows: object[]): void {
  const folder = join(dir, ...repo.split("/"), config);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, `${split}.jsonl`), rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
}

const model = await loadModel(values.model, {
  gpu: values.gpu as "cpu",
  threads: Number(values.threads),
  sequences: 4,
  contextSize: 2048,
  batchInvariant: true,
});
const dataDir = mkdtempSync(join(tmpdir(), "atlas-bench-eval-"));
writeRows(
  dataDir,
  "facebook/belebele",
  "ary_Arab",
  "test",
  Array.from({ length: items }, (_, i) => ({
    flores_passage: passage(model, i, 130),
    question: words(i + 3, 6),
    mc_answer1: words(i, 2),
    mc_answer2: words(i + 1, 2),
    mc_answer3: words(i + 2, 2),
    mc_answer4: words(i + 4, 2),
    correct_answer_num: String((i % 4) + 1),
  })),
);
writeRows(
  dataDir,
  "MBZUAI-Paris/DarijaBench",
  "default",
  "doda",
  Array.from({ length: translationItems }, (_, i) => ({
    direction: "dr_en",
    messages: [
      { role: "user", content: `ترجم هاد الجملة للنجليزية:\n${words(i, 12)}` },
      { role: "assistant", content: "reference" },
    ],
  })),
);

const evalModel: EvalModel = await embeddedEvalModel(model, { name: values.model });
const belebele = resolveTasks(["belebele_ary"]).tasks;
const contextTokens = model.tokenize(passage(model, 0, 130)).length;

// 1a. The runner.
let started = performance.now();
const runner = await runEvaluation({ model: evalModel, tasks: belebele, data: { dataDir } });
const runnerSeconds = (performance.now() - started) / 1000;

// 1b. Naive: every choice with its full context, one request at a time, no prompt cache.
const samples = runner.samples.get("belebele_ary") ?? [];
started = performance.now();
let naiveAgree = 0;
for (const sample of samples) {
  const args = sample.arguments as { context: string; continuations: string[] };
  const lls: number[] = [];
  for (const continuation of args.continuations)
    lls.push((await model.loglikelihood(args.context, continuation, { cachePrompt: false })).logprob);
  const runnerLls = sample.filtered_resps as number[];
  if (lls.every((ll, i) => Math.abs(ll - runnerLls[i]!) < 1e-3)) naiveAgree++;
}
const naiveSeconds = (performance.now() - started) / 1000;

// 2. Translation: generated tokens per second at 4 requests in flight vs 1.
const translation = resolveTasks(["darija_translation_doda_dr_en"]).tasks;
async function generation(
  concurrency: number,
): Promise<{ tokens: number; seconds: number; tokensPerSecond: number }> {
  const t0 = performance.now();
  const run = await runEvaluation({ model: evalModel, tasks: translation, data: { dataDir }, concurrency });
  const seconds = (performance.now() - t0) / 1000;
  const tokens = (run.samples.get(translation[0]!.name) ?? []).reduce(
    (sum, s) => sum + model.tokenize((s.resps as string[])[0] ?? "").length,
    0,
  );
  return { tokens, seconds, tokensPerSecond: tokens / seconds };
}
const gen1 = await generation(1);
const gen4 = await generation(4);
await model.dispose();

const result = {
  benchmark: "eval",
  machine: machineInfo(),
  model: {
    path: values.model,
    description: model.info.description,
    batch_invariant: model.engineModel.state().batchInvariant,
  },
  multiple_choice: {
    items,
    choices: 4,
    context_tokens: contextTokens,
    runner: {
      seconds: runnerSeconds,
      items_per_minute: (60 * items) / runnerSeconds,
      concurrency: evalModel.concurrency,
    },
    naive: { seconds: naiveSeconds, items_per_minute: (60 * items) / naiveSeconds },
    runner_over_naive_wall_time: runnerSeconds / naiveSeconds,
    naive_scores_within_0_001: `${naiveAgree}/${samples.length}`,
  },
  translation: {
    items: translationItems,
    max_new_tokens: 256,
    concurrency_1: gen1,
    concurrency_4: gen4,
    speedup: gen4.tokensPerSecond / gen1.tokensPerSecond,
  },
};
writeReport(out, result);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
