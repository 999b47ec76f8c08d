/**
 * `/v1/completions` with `echo` scores prompts with the engine's own numbers: the log-probabilities of the
 * prompt tokens equal `engineModel.score()` (the same text, the same model, batch-invariant), the first
 * token has none, and each position's top entry is the argmax of the raw logits — what
 * lm-evaluation-harness's `local-completions` sums and compares.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModel, type AtlasModel } from "../../src/api/index.js";
import { argmax, logSumExp } from "../../src/engine/log-softmax.js";
import { createApp, type AtlasApp } from "../../src/server/index.js";
import { post, scratchHome, tinyGguf } from "./fixtures.js";

interface Choice {
  index: number;
  text: string;
  finish_reason: string;
  logprobs: {
    tokens: string[];
    token_logprobs: (number | null)[];
    top_logprobs: (Record<string, number> | null)[];
    text_offset: number[];
  };
}

let app: AtlasApp;
let model: AtlasModel;

beforeAll(async () => {
  const path = await tinyGguf();
  const loadOptions = { gpu: "cpu" as const, contextSize: 256, sequences: 4, batchInvariant: true };
  app = createApp({
    models: [{ name: "tiny", path }],
    env: { ATLAS_HOME: await scratchHome() },
    loadOptions,
  });
  model = await loadModel(path, { ...loadOptions, env: { ATLAS_HOME: await scratchHome() } });
});
afterAll(async () => {
  await app?.atlas.shutdown(0);
  await model?.dispose();
});

async function complete(
  body: Record<string, unknown>,
): Promise<{ choices: Choice[]; usage: Record<string, number> }> {
  const res = await post(app, "/v1/completions", { model: "tiny", ...body });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { choices: Choice[]; usage: Record<string, number> };
}

describe("/v1/completions echo", () => {
  const text = "السؤال: شنو هي عاصمة المغرب؟ الجواب: الرباط";

  it("prompt log-probabilities equal the engine's score of the same tokens (1e-4), first is null", async () => {
    const tokens = model.promptTokens(text);
    const [expected] = await model.engineModel.score([tokens[0]!], [tokens.slice(1)]);
    for (const logprobs of [0, 2]) {
      const { choices, usage } = await complete({ prompt: text, echo: true, logprobs, max_tokens: 0 });
      const lp = choices[0]!.logprobs;
      expect(choices[0]!.text).toBe(text);
      expect(choices[0]!.finish_reason).toBe("length");
      expect(usage).toMatchObject({ prompt_tokens: tokens.length, completion_tokens: 0 });
      expect(lp.tokens).toHaveLength(tokens.length);
      expect(lp.token_logprobs[0]).toBeNull();
      lp.token_logprobs.slice(1).forEach((value, i) => {
        expect(Math.abs(value! - expected!.tokenLogprobs[i]!)).toBeLessThan(1e-4);
      });
      // text_offset points at each token's text in the echo (byte tokens of one character share its start).
      lp.tokens.forEach((token, i) => {
        if (i > 0 && !token.includes("\uFFFD"))
          expect(text.slice(lp.text_offset[i], lp.text_offset[i]! + token.length)).toBe(token);
      });
    }
  });

  it("token-id prompts and lists of them; top entries follow the raw logits (lm-eval's is_greedy)", async () => {
    const a = model.promptTokens("salam, labas?");
    const b = model.promptTokens("bonjour");
    const { choices } = await complete({
      prompt: [a, b],
      echo: true,
      logprobs: 1,
      max_tokens: 1,
      temperature: 0,
    });
    expect(choices.map((c) => c.index).sort()).toEqual([0, 1]);
    for (const [index, tokens] of [a, b].entries()) {
      const lp = choices.find((c) => c.index === index)!.logprobs;
      expect(lp.tokens).toHaveLength(tokens.length + 1); // + the generated token
      const logits = await model.engineModel.logits(tokens);
      for (let i = 1; i < tokens.length; i++) {
        const row = logits[i - 1]!;
        const best = argmax(row);
        const own = lp.token_logprobs[i]!;
        expect(Math.abs(own - (row[tokens[i]!]! - logSumExp(row)))).toBeLessThan(1e-4);
        const greedy = own === Math.max(...Object.values(lp.top_logprobs[i]!));
        expect(greedy).toBe(best === tokens[i]);
      }
    }
  });

  it("max_tokens 0 without echo counts the prompt and generates nothing", async () => {
    const { choices, usage } = await complete({ prompt: "salam", max_tokens: 0 });
    expect(choices[0]).toMatchObject({ text: "", finish_reason: "length", logprobs: null });
    expect(usage.prompt_tokens).toBe(model.promptTokens("salam").length);
  });

  it("refuses token ids outside the vocabulary, naming the prompt", async () => {
    const res = await post(app, "/v1/completions", {
      model: "tiny",
      prompt: [2, 99999999],
      echo: true,
      logprobs: 0,
      max_tokens: 0,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toMatch(/^prompt/);
  });
});
