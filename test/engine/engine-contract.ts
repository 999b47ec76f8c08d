/**
 * The behaviour every Engine must have. Run against the fake (src/engine/fake-engine.test.ts) and the real
 * llama.cpp engine on a generated tiny model (test/engine/llama-engine.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAtlasError } from "../../src/core/index.js";
import { argmax, logSumExp } from "../../src/engine/log-softmax.js";
import type { EngineModel } from "../../src/engine/types.js";

export interface ContractSetup {
  model: EngineModel;
  /** Two different prompts (token ids, BOS included). */
  prompt: number[];
  otherPrompt: number[];
}

export function engineContract(name: string, setup: () => Promise<ContractSetup>): void {
  describe(`Engine contract: ${name}`, () => {
    let s: ContractSetup;
    const greedy = { temperature: 0, maxTokens: 12 } as const;

    beforeAll(async () => {
      s = await setup();
    });
    afterAll(async () => {
      await s.model.dispose();
    });

    it("greedy generation is deterministic across runs", async () => {
      const a = await s.model.generate(s.prompt, greedy).result;
      const b = await s.model.generate(s.prompt, greedy).result;
      expect(a.tokens).toHaveLength(12);
      expect(b.tokens).toEqual(a.tokens);
      expect(b.text).toBe(a.text);
    });

    it("streaming and non-streaming give the same text and tokens", async () => {
      const plain = await s.model.generate(s.prompt, greedy).result;
      const stream = s.model.generate(s.prompt, greedy);
      let text = "";
      const tokens: number[] = [];
      for await (const chunk of stream) {
        text += chunk.text;
        if (chunk.token >= 0) tokens.push(chunk.token);
      }
      const result = await stream.result;
      expect(text).toBe(result.text);
      expect(tokens).toEqual(result.tokens);
      expect(result.tokens).toEqual(plain.tokens);
    });

    it("a greedy request gives the same tokens alone and among concurrent ones", async () => {
      const alone = await s.model.generate(s.prompt, greedy).result;
      const otherAlone = await s.model.generate(s.otherPrompt, greedy).result;
      const together = await Promise.all(
        Array.from(
          { length: 4 },
          (_, i) => s.model.generate(i % 2 === 0 ? s.prompt : s.otherPrompt, greedy).result,
        ),
      );
      together.forEach((r, i) => expect(r.tokens).toEqual((i % 2 === 0 ? alone : otherAlone).tokens));
    });

    it("stops after maxTokens with finishReason 'length'", async () => {
      const r = await s.model.generate(s.prompt, { temperature: 0, maxTokens: 3 }).result;
      expect(r.tokens).toHaveLength(3);
      expect(r.stats.finishReason).toBe("length");
      expect(r.stats.generatedTokens).toBe(3);
      expect(r.stats.promptTokens).toBe(s.prompt.length);
    });

    it("cuts the text before a stop string and does not return it", async () => {
      const full = await s.model.generate(s.prompt, { temperature: 0, maxTokens: 24 }).result;
      const chars = [...full.text];
      expect(chars.length).toBeGreaterThan(4);
      const stop = chars.slice(2, 4).join("");
      const r = await s.model.generate(s.prompt, { temperature: 0, maxTokens: 24, stop: [stop] }).result;
      expect(r.text).toBe(full.text.slice(0, full.text.indexOf(stop)));
      expect(r.text).not.toContain(stop);
      expect(r.stats.finishReason).toBe("stop");
    });

    it("stops at an end-of-generation token without returning its text", async () => {
      const eog = s.model.info.tokens.endOfGeneration;
      expect(eog.length).toBeGreaterThan(0);
      const r = await s.model.generate(s.prompt, {
        temperature: 0,
        maxTokens: 8,
        logitBias: { [eog.at(-1)!]: 100 },
      }).result;
      expect(r.stats.finishReason).toBe("stop");
      expect(r.tokens).toEqual([]);
      expect(r.text).toBe("");
    });

    it("honours an AbortSignal mid-stream", async () => {
      const controller = new AbortController();
      const stream = s.model.generate(s.prompt, {
        temperature: 0,
        maxTokens: 200,
        signal: controller.signal,
      });
      let chunks = 0;
      for await (const _ of stream) {
        chunks++;
        if (chunks === 2) controller.abort();
      }
      const r = await stream.result;
      expect(r.stats.finishReason).toBe("abort");
      expect(r.tokens.length).toBeLessThan(200);
    });

    it("refuses a prompt longer than the context, naming both sizes", () => {
      const size = s.model.info.contextSize;
      const long = Array.from({ length: size + 5 }, () => s.prompt[1] ?? s.prompt[0]!);
      try {
        s.model.generate(long, greedy);
        expect.unreachable();
      } catch (error) {
        expect(isAtlasError(error, "CONTEXT_OVERFLOW")).toBe(true);
        expect(String(error)).toContain(String(size + 5));
        expect(String(error)).toContain(String(size));
      }
    });

    it("refuses token ids outside the vocabulary", () => {
      expect(() => s.model.generate([s.model.info.vocabSize + 3], greedy)).toThrow(/outside the vocabulary/);
    });

    it("same seed, same sampled text (without prompt-cache reuse)", async () => {
      const options = { temperature: 1.2, seed: 42, maxTokens: 10, cachePrompt: false };
      const a = await s.model.generate(s.prompt, options).result;
      const b = await s.model.generate(s.prompt, options).result;
      expect(a.stats.cachedPromptTokens).toBe(0);
      expect(b.tokens).toEqual(a.tokens);
      const c = await s.model.generate(s.prompt, { ...options, seed: 7 }).result;
      expect(c.tokens).not.toEqual(a.tokens);
    });

    it("score() equals the sum of log-softmax values computed from raw logits", async () => {
      const continuation = (await s.model.generate(s.otherPrompt, { temperature: 0, maxTokens: 4 }).result)
        .tokens;
      // Without cache reuse both paths evaluate the same tokens from scratch; they may still differ in the
      // last bits because llama.cpp's kernels depend on how tokens are grouped into batches.
      const [scored] = await s.model.score(s.prompt, [continuation], { cachePrompt: false });
      const all = await s.model.logits([...s.prompt, ...continuation]);
      let expected = 0;
      let greedyAll = true;
      continuation.forEach((token, j) => {
        const logits = all[s.prompt.length - 1 + j]!;
        expected += logits[token]! - logSumExp(logits);
        if (argmax(logits) !== token) greedyAll = false;
      });
      expect(Math.abs(scored!.logprob - expected)).toBeLessThan(1e-4);
      expect(scored!.tokenLogprobs).toHaveLength(continuation.length);
      expect(scored!.isGreedy).toBe(greedyAll);
    });

    it("a greedy continuation is reported as greedy", async () => {
      const continuation = (await s.model.generate(s.prompt, { temperature: 0, maxTokens: 3 }).result).tokens;
      const [scored] = await s.model.score(s.prompt, [continuation]);
      expect(scored!.isGreedy).toBe(true);
    });

    it("scoring several continuations of one context matches scoring each alone", async () => {
      const continuations = [s.otherPrompt.slice(1, 3), s.prompt.slice(1, 2), s.otherPrompt.slice(1, 5)];
      const together = await s.model.score(s.prompt, continuations);
      for (const [i, c] of continuations.entries()) {
        const [alone] = await s.model.score(s.prompt, [c]);
        expect(together[i]!.logprob).toBeCloseTo(alone!.logprob, 3);
      }
      const concurrent = await Promise.all(continuations.map((c) => s.model.score(s.prompt, [c])));
      concurrent.forEach((r, i) => expect(r[0]!.logprob).toBeCloseTo(together[i]!.logprob, 3));
    });

    it("tokenize/detokenize round-trip Darija text", () => {
      const text = "شنو كيتسمى المنتخب المغربي؟ labas 3lik";
      expect(s.model.detokenize(s.model.tokenize(text))).toBe(text);
    });
  });
}
