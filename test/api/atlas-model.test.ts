import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { isAtlasError, type AtlasError } from "../../src/core/index.js";
import type { GenerationStream } from "../../src/engine/index.js";
import { loadModel, pipeline, type AtlasModel } from "../../src/api/index.js";
import { logSumExp, argmax } from "../../src/engine/log-softmax.js";
import { tinyModel } from "../helpers/tiny-gguf.js";

describe("AtlasModel on a converted tiny model", () => {
  let model: AtlasModel;
  let bos: number;

  beforeAll(async () => {
    const tiny = await tinyModel();
    bos = tiny.checkpoint.specialIds.bos;
    model = await loadModel(await tiny.gguf("f32"), {
      gpu: "cpu",
      contextSize: 256,
      sequences: 2,
      kvCacheType: "f32",
      env: { ATLAS_HOME: process.env["ATLAS_TEST_TMP"] },
    });
  });
  afterAll(async () => {
    await model.dispose();
  });

  it("renders the model's own chat template from the GGUF, byte-identical to transformers", () => {
    const text = model.applyChatTemplate([{ role: "user", content: "اشنو هو الطاجين ؟" }]);
    expect(text).toBe("<bos><start_of_turn>user\nاشنو هو الطاجين ؟<end_of_turn>\n<start_of_turn>model\n");
  });

  it("tokenizes the rendered prompt with exactly one BOS", () => {
    const ids = model.applyChatTemplate([{ role: "user", content: "salam" }], { tokenize: true });
    expect(ids[0]).toBe(bos);
    expect(ids.filter((t) => t === bos)).toHaveLength(1);
    expect(model.detokenize(ids, { special: true })).toBe(
      "<bos><start_of_turn>user\nsalam<end_of_turn>\n<start_of_turn>model\n",
    );
  });

  it("loglikelihood equals the sum of log-softmax values from raw logits (lm-eval tokenization)", async () => {
    const context = "السؤال: شنو هي عاصمة المغرب؟\nالجواب:";
    const continuation = " الرباط";
    const result = await model.loglikelihood(context, continuation, { cachePrompt: false });
    const ctx = [bos, ...model.tokenize(context)];
    const whole = [bos, ...model.tokenize(context + continuation)];
    const cont = whole.slice(ctx.length);
    const logits = await model.engineModel.logits(whole);
    let expected = 0;
    let greedy = true;
    cont.forEach((token, j) => {
      const l = logits[ctx.length - 1 + j]!;
      expected += l[token]! - logSumExp(l);
      greedy &&= argmax(l) === token;
    });
    expect(Math.abs(result.logprob - expected)).toBeLessThan(1e-4);
    expect(result.isGreedy).toBe(greedy);
  });

  it("moves trailing context whitespace into the continuation, like lm-eval", async () => {
    const a = await model.loglikelihood("Question: 2+2= ", "4", { cachePrompt: false });
    const b = await model.loglikelihood("Question: 2+2=", " 4", { cachePrompt: false });
    expect(a.logprob).toBeCloseTo(b.logprob, 3);
  });

  it("scores several choices of one context like scoring each alone", async () => {
    const context = "Q: wach l-maghrib f afriqya?\nA:";
    const choices = [" ah", " la", " ma3rftch"];
    const together = await model.loglikelihoods(context, choices);
    for (const [i, c] of choices.entries())
      expect(together[i]!.logprob).toBeCloseTo((await model.loglikelihood(context, c)).logprob, 3);
  });

  it("pipeline() returns transformers-shaped output for messages and for text", async () => {
    const pipe = await pipeline("text-generation", model);
    const messages = [{ role: "user" as const, content: "شنو كيتسمى المنتخب المغربي ؟" }];
    const out = await pipe(messages, { max_new_tokens: 6, temperature: 0 });
    expect(out[0].generated_text.slice(0, 1)).toEqual(messages);
    expect(out[0].generated_text.at(-1)!.role).toBe("assistant");
    const direct = await model.generate(messages, { temperature: 0, maxTokens: 6 }).result;
    expect(out[0].generated_text.at(-1)!.content).toBe(direct.text);
    let streamed = "";
    for await (const delta of pipe.stream(messages, { max_new_tokens: 6 })) streamed += delta;
    expect(streamed).toBe(direct.text);
    const text = await pipe("salam", { max_new_tokens: 4 });
    expect(text[0].generated_text.startsWith("salam")).toBe(true);
    const only = await pipe("salam", { max_new_tokens: 4, return_full_text: false });
    expect(text[0].generated_text).toBe("salam" + only[0].generated_text);
  });

  it("pipeline streaming: leaving the loop early stops the generation behind it", async () => {
    const pipe = await pipeline("text-generation", model);
    const spy = vi.spyOn(model.engineModel, "generate");
    try {
      let deltas = 0;
      for await (const _ of pipe.stream("salam", { max_new_tokens: 100, temperature: 0 }))
        if (++deltas === 2) break;
      const stream = spy.mock.results[0]!.value as GenerationStream;
      const result = await stream.result;
      expect(result.stats.finishReason).toBe("abort");
      expect(result.tokens.length).toBeLessThanOrEqual(2 + 1); // a held-back partial character may trail
      expect(model.engineModel.state()).toMatchObject({ active: 0, freeSlots: model.info.sequences });
    } finally {
      spy.mockRestore();
    }
  });

  it("validates conversations and options at the entry, naming the field", () => {
    const field = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (error) {
        expect(isAtlasError(error, "BAD_ARGUMENT"), String(error)).toBe(true);
        return (error as AtlasError).details.field;
      }
      return undefined;
    };
    expect(
      field(() =>
        model.generate([
          { role: "user", content: "a" },
          { role: "robot", content: "b" },
        ] as never),
      ),
    ).toBe("messages[1].role");
    expect(field(() => model.generate("salam", { temperature: 11 }))).toBe("temperature");
    expect(field(() => model.generate("salam", { maxTokens: -1 }))).toBe("maxTokens");
  });

  it("rejects roles that do not alternate with a clear template error", () => {
    expect(() =>
      model.generate([
        { role: "user", content: "a" },
        { role: "user", content: "b" },
      ]),
    ).toThrow(/alternate/);
  });
});
