/**
 * A fingerprint of what the engine generates (issue 25: "no change to results"): tokens, text, finish
 * reasons and log-probabilities (as exact bit patterns) of a fixed set of requests — greedy, sampled
 * with seeds, stop strings, logprobs, 4 sequences at once, generateChoices — on one GGUF. Run it before
 * and after a change to the scheduler and compare the files: they must be identical (in batch-invariant
 * mode for the multi-sequence runs; single-stream runs in either mode).
 *
 *   npx tsx bench/token-fingerprint.ts --model M [--invariant] [--tokens 48] --out /tmp/before.json
 */
import { parseArgs } from "node:util";
import { LlamaEngine, type GenerateOptions, type GenerationStream } from "../src/engine/index.js";
import { checkOutput, writeReport } from "./report.js";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    invariant: { type: "boolean", default: false },
    tokens: { type: "string", default: "48" },
    threads: { type: "string", default: "2" },
    out: { type: "string" },
  },
});
const out = checkOutput(values.out);
if (values.model === undefined) throw new Error("--model is required");
const maxTokens = Number(values.tokens);
const model = await new LlamaEngine().loadModel(values.model, {
  gpu: "cpu",
  threads: Number(values.threads),
  contextSize: 512,
  sequences: 4,
  ...(values.invariant ? { batchInvariant: true } : { flashAttention: "on" as const }),
});
const texts = [
  "<bos><start_of_turn>user\nsalam, labas 3lik?<end_of_turn>\n<start_of_turn>model\n",
  "<bos>شنو كيتسمى المنتخب المغربي؟",
  "<bos>Le match était très beau.",
  "<bos>7na ghadi nmchiw l-bhar",
];
const prompts = texts.map((t) => model.tokenize(t, { parseSpecial: true }));
const bits = (x: number): string => Buffer.from(new Float64Array([x]).buffer).toString("hex");

async function record(stream: GenerationStream): Promise<Record<string, unknown>> {
  const chunks: unknown[] = [];
  for await (const c of stream)
    chunks.push({
      t: c.token,
      s: c.text,
      ...(c.logprob === undefined ? {} : { lp: bits(c.logprob) }),
      ...(c.topLogprobs === undefined ? {} : { top: c.topLogprobs.map((x) => [x.token, bits(x.logprob)]) }),
    });
  const r = await stream.result;
  return { tokens: r.tokens, text: r.text, finish: r.stats.finishReason, chunks };
}

const cases: [string, GenerateOptions][] = [
  ["greedy", { temperature: 0 }],
  ["sampled", { temperature: 0.8, topK: 40, topP: 0.95, seed: 7 }],
  ["hot", { temperature: 1.5, seed: 11, minP: 0 }],
  ["logprobs", { temperature: 0, logprobs: 3 }],
  ["penalties", { temperature: 0.7, seed: 3, repeatPenalty: 1.3, presencePenalty: 0.5 }],
];
const results: Record<string, unknown> = {};
for (const [name, options] of cases) {
  // Single stream, then each prompt's stop string cut out of its own greedy text.
  for (const [i, p] of prompts.entries()) {
    const base = { ...options, maxTokens, cachePrompt: false };
    const alone = await record(model.generate(p, base));
    results[`${name}/alone/${i}`] = alone;
    const text = alone.text as string;
    if (text.length > 6) {
      const stop = text.slice(3, 5);
      results[`${name}/stop/${i}`] = await record(model.generate(p, { ...base, stop: [stop] }));
    }
  }
}
// Four at once (bit-identical to alone only in batch-invariant mode), and choices of one prompt.
const together = await Promise.all(
  prompts.map((p) => record(model.generate(p, { temperature: 0, maxTokens, cachePrompt: false }))),
);
together.forEach((r, i) => (results[`together/${i}`] = r));
const choices = await Promise.all(
  model
    .generateChoices(prompts[0]!, 3, { temperature: 0.9, seed: 5, maxTokens, cachePrompt: false })
    .map(record),
);
choices.forEach((r, i) => (results[`choices/${i}`] = r));
await model.dispose();
writeReport(out, { model: values.model, invariant: values.invariant, maxTokens, results });
