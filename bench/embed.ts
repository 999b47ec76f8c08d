/**
 * Embeddings on a loaded model: their speed against the engine's own prompt evaluation of the same tokens
 * (the work is the same forward pass, plus llama.cpp's output layer for every token and smaller chunks),
 * alternating round by round, and the memory the embedding context adds when the first request creates it.
 *
 *   npx tsx bench/embed.ts --model model.gguf --out results/embed.json [--threads 2] [--tokens 256] [--rounds 3]
 *
 * Refuses to overwrite an existing output file.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadModel } from "../src/index.js";
import { checkOutput, summarize, writeReport } from "./report.js";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    out: { type: "string" },
    threads: { type: "string", default: "2" },
    tokens: { type: "string", default: "256" },
    rounds: { type: "string", default: "3" },
    "ctx-size": { type: "string", default: "4096" },
  },
});
if (values.model === undefined || values.out === undefined)
  throw new Error("usage: npx tsx bench/embed.ts --model <gguf> --out <result.json>");
const out = checkOutput(resolve(values.out));
const TOKENS = Number(values.tokens);
const MiB = 1024 * 1024;

const model = await loadModel(values.model, {
  gpu: "cpu",
  threads: Number(values.threads),
  contextSize: Number(values["ctx-size"]),
  sequences: 4,
});
const engine = model.engineModel;
const bos = engine.info.tokens.bos!;
/** A different input each call (same length), so nothing is served from a cache. */
let salt = 0;
const input = (): number[] => {
  salt++;
  return [bos, ...Array.from({ length: TOKENS - 1 }, (_, i) => 1000 + ((i * 7919 + salt * 104729) % 20000))];
};

const rssBefore = process.memoryUsage().rss;
let t = performance.now();
await engine.embed(input());
const firstMs = performance.now() - t;
const rssAfter = process.memoryUsage().rss;

const embedRates: number[] = [];
const promptRates: number[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  t = performance.now();
  await engine.embed(input());
  embedRates.push((TOKENS * 1000) / (performance.now() - t));
  // The same number of tokens as a prompt: evaluated, nothing generated, no cache reuse.
  const r = await engine.generate(input(), { maxTokens: 0, cachePrompt: false }).result;
  promptRates.push((TOKENS * 1000) / r.stats.totalMs);
  console.log(
    `round ${round}: embed ${embedRates.at(-1)!.toFixed(1)} tok/s, prompt ${promptRates.at(-1)!.toFixed(1)} tok/s`,
  );
}
await model.dispose();

const round2 = (x: number): number => Math.round(x * 100) / 100;
const embed = summarize(embedRates);
const prompt = summarize(promptRates);
const output = {
  benchmark: "embed",
  model: values.model,
  threads: Number(values.threads),
  tokens: TOKENS,
  contextSize: Number(values["ctx-size"]),
  rounds: Number(values.rounds),
  embedTokensPerSecond: embed,
  promptTokensPerSecond: prompt,
  embedToPrompt: summarize(embedRates.map((x, i) => x / promptRates[i]!)),
  firstEmbedMs: round2(firstMs),
  embeddingContextRssMiB: round2((rssAfter - rssBefore) / MiB),
  embeddingSize: engine.info.embeddingSize,
};
console.log(JSON.stringify(output, null, 2));
writeReport(out, output);
