import { describe, expect, it, vi } from "vitest";
import { isAtlasError } from "../../src/core/index.js";
import { LlamaEngine } from "../../src/engine/llama/llama-engine.js";
import { NativeBatch } from "../../src/native/native-batch.js";
import type { EngineModel, LoadModelOptions } from "../../src/engine/types.js";
import { MID_SHAPE } from "../helpers/tiny-gemma2.js";
import { tinyModel } from "../helpers/tiny-gguf.js";
import { endless, engineContract, type ContractSetup } from "./engine-contract.js";

const engine = new LlamaEngine();

const PROMPTS = [
  "<bos><start_of_turn>user\nsalam, labas 3lik?<end_of_turn>\n",
  "<bos>شنو كيتسمى المنتخب المغربي؟",
  "<bos><start_of_turn>user\nشنو كيتسمى المنتخب المغربي ؟<end_of_turn>\n<start_of_turn>model\n",
  "<bos>Le match était très beau.",
  "<bos>wach nta mzyan?",
  "<bos>The weather is nice today.",
  "<bos>اشنو هو الطاجين؟",
  "<bos>7na ghadi nmchiw l-bhar",
  "<bos>2024 3 7 9",
  "<bos>hello world this is a longer prompt with several words in it",
  "<bos>x",
  "<bos>bghit nmchi l-casa ghedda f sba7",
];

async function contractSetup(path: Promise<string>, base: LoadModelOptions): Promise<ContractSetup> {
  const file = await path;
  const load = (options: LoadModelOptions = {}): Promise<EngineModel> =>
    engine.loadModel(file, { gpu: "cpu", contextSize: 128, sequences: 4, ...base, ...options });
  const probe = await load({ sequences: 1 });
  const prompts = PROMPTS.map((p) => probe.tokenize(p, { parseSpecial: true }));
  await probe.dispose();
  return { load, prompt: prompts[0]!, otherPrompt: prompts[1]!, prompts };
}

engineContract("llama.cpp engine, F32", () =>
  contractSetup(
    tinyModel().then((m) => m.gguf("f32")),
    { kvCacheType: "f32" },
  ),
);

engineContract("llama.cpp engine, Q8_0, batch-invariant", () =>
  contractSetup(
    tinyModel().then((m) => m.gguf("q8_0")),
    { batchInvariant: true },
  ),
);

engineContract("llama.cpp engine, Q4_K_M, batch-invariant", () =>
  contractSetup(
    tinyModel({ shape: MID_SHAPE }).then((m) => m.gguf("q4_k_m")),
    { batchInvariant: true },
  ),
);

describe("batch invariance (llama.cpp engine)", () => {
  it("Q4_K_M: tokens and scores are bit-identical alone, among 7 others, with or without the prompt cache, at any thread or sequence count", async () => {
    const path = await (await tinyModel({ shape: MID_SHAPE })).gguf("q4_k_m");
    const reference = await engine.loadModel(path, {
      gpu: "cpu",
      contextSize: 160,
      sequences: 1,
      threads: 1,
      batchInvariant: true,
    });
    const prompts = PROMPTS.slice(0, 8).map((p) => reference.tokenize(p, { parseSpecial: true }));
    // A high presence penalty makes the random-weight model emit distinct tokens (long, tie-prone paths).
    const options = endless(reference, { maxTokens: 40, presencePenalty: 50 });
    const alone: number[][] = [];
    for (const p of prompts)
      alone.push((await reference.generate(p, { ...options, cachePrompt: false }).result).tokens);
    const refScore = (await reference.score(prompts[0]!, [alone[0]!], { cachePrompt: false }))[0]!;
    await reference.dispose();

    const model = await engine.loadModel(path, {
      gpu: "cpu",
      contextSize: 160,
      sequences: 8,
      threads: 2,
      batchInvariant: true,
    });
    try {
      const together = await Promise.all(prompts.map((p) => model.generate(p, options).result));
      together.forEach((r, i) => expect(r.tokens, `prompt ${i}`).toEqual(alone[i]));
      // Again, now reusing the cached prompts, with a score running beside seven generations.
      const [scores, ...again] = await Promise.all([
        model.score(prompts[0]!, [alone[0]!]),
        ...prompts.slice(1).map((p) => model.generate(p, options).result),
      ]);
      again.forEach((r, i) => expect(r.tokens, `prompt ${i + 1}`).toEqual(alone[i + 1]));
      expect(scores[0]!.logprob).toBe(refScore.logprob);
      expect(scores[0]!.tokenLogprobs).toEqual(refScore.tokenLogprobs);
    } finally {
      await model.dispose();
    }
  });

  it("without batchInvariant the same Q4_K_M requests may differ (the mode is needed, and the docs say so)", async () => {
    const path = await (await tinyModel({ shape: MID_SHAPE })).gguf("q4_k_m");
    const model = await engine.loadModel(path, { gpu: "cpu", contextSize: 160, sequences: 4 });
    try {
      expect(model.state().batchInvariant).toBe(false);
      expect(model.info.batchInvariant).toBe(false);
      const prompt = model.tokenize(PROMPTS[9]!, { parseSpecial: true });
      const logits = await model.logits(prompt);
      const [last] = await Promise.all([
        model.logits(prompt),
        ...PROMPTS.slice(0, 3).map(
          (p) =>
            model.generate(model.tokenize(p, { parseSpecial: true }), endless(model, { maxTokens: 8 }))
              .result,
        ),
      ]);
      // Default mode promises closeness, not identity: the repacked Q4_K kernels differ by batch shape.
      const a = logits.at(-1)!;
      const b = last.at(-1)!;
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
      expect(maxDiff).toBeLessThan(0.05);
    } finally {
      await model.dispose();
    }
  });
});

describe("llama.cpp engine requests", () => {
  it("an abort during a long prompt's evaluation frees the sequence; the request beside it is unaffected", async () => {
    const path = await (await tinyModel()).gguf("f32");
    const model = await engine.loadModel(path, { gpu: "cpu", contextSize: 128, sequences: 2, batchSize: 8 });
    try {
      const clockPrompt = model.tokenize(PROMPTS[0]!, { parseSpecial: true });
      const alone = (
        await model.generate(clockPrompt, endless(model, { maxTokens: 12, cachePrompt: false })).result
      ).tokens;
      const clock = model.generate(clockPrompt, endless(model, { maxTokens: 12, cachePrompt: false }));
      const long = Array.from({ length: 90 }, (_, i) => clockPrompt[1 + (i % (clockPrompt.length - 1))]!);
      const controller = new AbortController();
      const victim = model.generate([clockPrompt[0]!, ...long], { maxTokens: 5, signal: controller.signal });
      let ticks = 0;
      for await (const _ of clock) {
        // 8-token batches: after 3 steps the 91-token prompt is still being evaluated.
        if (++ticks === 3) {
          expect(model.state().active).toBe(2);
          controller.abort();
        }
      }
      const v = await victim.result;
      expect(v.stats.finishReason).toBe("abort");
      expect(v.tokens).toEqual([]);
      expect((await clock.result).tokens).toEqual(alone);
      expect(model.state()).toMatchObject({ active: 0, freeSlots: 2 });
    } finally {
      await model.dispose();
    }
  });

  it("generateChoices decodes the prompt once: every other choice starts from a KV copy", async () => {
    const path = await (await tinyModel()).gguf("f32");
    const model = await engine.loadModel(path, { gpu: "cpu", contextSize: 128, sequences: 4 });
    // Count the tokens every llama_decode call carries (the batch object is reused: read it at the call).
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with the batch as `this` below
    const original = NativeBatch.prototype.decodeAsync;
    let decoded = 0;
    const decodeAsync = vi.spyOn(NativeBatch.prototype, "decodeAsync").mockImplementation(function (
      this: NativeBatch,
      ctx,
    ) {
      decoded += this.size;
      return original.call(this, ctx);
    });
    try {
      const prompt = model.tokenize(PROMPTS[9]!, { parseSpecial: true });
      const options = endless(model, { maxTokens: 5, cachePrompt: false });
      const run = async (streams: { result: Promise<unknown> }[]): Promise<number> => {
        await Promise.all(streams.map((s) => s.result));
        const n = decoded;
        decoded = 0;
        return n;
      };
      const choices = model.generateChoices(prompt, 4, options);
      const once = await run(choices);
      // The prompt once, then each choice's 4 tokens after its first (the 5th ends it, undecoded).
      expect(once).toBe(prompt.length + 4 * 4);
      const separate = await run([0, 1, 2, 3].map(() => model.generate(prompt, options)));
      expect(separate).toBe(4 * prompt.length + 4 * 4);
    } finally {
      decodeAsync.mockRestore();
      await model.dispose();
    }
  });

  it("refuses unknown or out-of-range load options naming the field, and frees everything when a later loading step fails", async () => {
    const path = await (await tinyModel()).gguf("f32");
    for (const [options, field] of [
      [{ sequences: 0 }, "sequences"],
      [{ contextSize: 8 }, "contextSize"],
      [{ maxQueue: -1 }, "maxQueue"],
      [{ ctxSize: 64 }, "ctxSize"],
      [{ batchInvariant: true, flashAttention: "off" }, "flashAttention"],
    ] as const) {
      await expect(engine.loadModel(path, options as LoadModelOptions)).rejects.toSatisfy(
        (e) => isAtlasError(e, "BAD_ARGUMENT") && e.details.field === field,
      );
    }
    // A failure after the context exists (a LoRA file that is not an adapter) frees what was created.
    for (let i = 0; i < 3; i++) {
      await expect(
        engine.loadModel(path, { gpu: "cpu", contextSize: 64, sequences: 1, lora: [{ path }] }),
      ).rejects.toSatisfy((e) => isAtlasError(e, "INVALID_MODEL"));
    }
    const ok = await engine.loadModel(path, { gpu: "cpu", contextSize: 64, sequences: 1 });
    expect(ok.info.contextSize).toBe(64);
    await ok.dispose();
  });

  it("runs with separate prompt and generation threadpools, spinning or not, with the same results", async () => {
    const path = await (await tinyModel()).gguf("f32");
    const outputs = [];
    for (const options of [
      { threads: 2, threadsBatch: 1, threadPoll: 50, threadPriority: "normal" },
      { threads: 1, threadsBatch: 2, threadPoll: 0 },
    ] as const) {
      const model = await engine.loadModel(path, {
        gpu: "cpu",
        contextSize: 128,
        sequences: 1,
        kvCacheType: "f32",
        ...options,
      });
      const prompt = model.tokenize(PROMPTS[2]!, { parseSpecial: true });
      outputs.push((await model.generate(prompt, { temperature: 0, maxTokens: 12 }).result).tokens);
      await model.dispose();
    }
    expect(outputs[0]).toHaveLength(12);
    expect(outputs[1]).toEqual(outputs[0]);
  });

  it("constrains output with a GBNF grammar and refuses one llama.cpp cannot parse", async () => {
    const path = await (await tinyModel()).gguf("f32");
    const model = await engine.loadModel(path, { gpu: "cpu", contextSize: 128, sequences: 1 });
    try {
      const prompt = model.tokenize(PROMPTS[0]!, { parseSpecial: true });
      const grammar = 'root ::= "{\\"ok\\": " ("true" | "false") "}"';
      const r = await model.generate(prompt, { temperature: 0.9, seed: 3, maxTokens: 40, grammar }).result;
      expect(r.text).toMatch(/^\{"ok": (true|false)\}$/);
      expect(JSON.parse(r.text)).toHaveProperty("ok");
      expect(() => model.generate(prompt, { grammar: "root ::= (" })).toThrow(
        expect.objectContaining({ code: "BAD_ARGUMENT", details: { field: "grammar" } }),
      );
    } finally {
      await model.dispose();
    }
  });
});
