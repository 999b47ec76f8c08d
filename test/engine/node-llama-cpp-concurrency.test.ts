/**
 * Regression guard for the dependency pin: node-llama-cpp 3.21.1 mixed up tokens and log-probabilities of
 * sequences evaluated concurrently through its per-token metadata path (confidence/probabilities); 3.22.1
 * fixed it. atlas drives llama.cpp through its own scheduler, but node-llama-cpp is still our baseline in
 * benchmarks and must not silently regress if the pin moves.
 */
import { readFileSync } from "node:fs";
import {
  getLlama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tinyModel } from "../helpers/tiny-gguf.js";

const PROMPTS = [
  "salam, labas 3lik?",
  "شنو كيتسمى المنتخب المغربي؟",
  "Le match était très beau.",
  "wach nta mzyan?",
];
const STEPS = 24;
/** The 3.21.1 fault was timing-dependent (1 run in 10 on a tiny model): repeat to catch it. */
const ROUNDS = 3;

async function generate(sequence: LlamaContextSequence, index: number, tokens: Token[]): Promise<number[]> {
  await sequence.clearHistory();
  const out: number[] = [];
  for await (const step of sequence.evaluateWithMetadata(tokens, { confidence: true }, { temperature: 0 })) {
    out.push(step.token);
    if (out.length >= STEPS) break;
  }
  expect(out, `prompt ${index}`).toHaveLength(STEPS);
  return out;
}

describe("node-llama-cpp (pinned) keeps concurrent sequences apart", () => {
  let model: LlamaModel;
  let context: LlamaContext;
  let sequences: LlamaContextSequence[];

  beforeAll(async () => {
    const llama = await getLlama({ gpu: false, build: "never", maxThreads: 2 });
    model = await llama.loadModel({ modelPath: await (await tinyModel()).gguf("f32") });
    context = await model.createContext({ sequences: PROMPTS.length, contextSize: 128, threads: 2 });
    sequences = PROMPTS.map(() => context.getSequence());
  }, 120_000);
  afterAll(async () => {
    await context.dispose();
    await model.dispose();
  });

  it("is the version we pin", () => {
    const url = new URL("../../node_modules/node-llama-cpp/package.json", import.meta.url);
    const pkg = JSON.parse(readFileSync(url, "utf8")) as { version: string };
    expect(pkg.version).toBe("3.22.1");
  });

  it("greedy generation through evaluateWithMetadata gives the same tokens concurrently as one by one", async () => {
    const prompts = PROMPTS.map((p) => [model.tokens.bos!, ...model.tokenize(p)]);
    const sequential: number[][] = [];
    for (const [i, tokens] of prompts.entries()) sequential.push(await generate(sequences[i]!, i, tokens));
    // The prompts differ, so identical outputs everywhere would mean the test proves nothing.
    expect(new Set(sequential.map((s) => s.join(","))).size).toBeGreaterThan(1);
    for (let round = 0; round < ROUNDS; round++) {
      const concurrent = await Promise.all(prompts.map((tokens, i) => generate(sequences[i]!, i, tokens)));
      expect(concurrent, `round ${round}`).toEqual(sequential);
    }
  });
});
