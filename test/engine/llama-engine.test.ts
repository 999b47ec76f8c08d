import { describe, expect, it } from "vitest";
import { LlamaEngine } from "../../src/engine/llama/llama-engine.js";
import { tinyModel } from "../helpers/tiny-gguf.js";
import { engineContract } from "./engine-contract.js";

engineContract("llama.cpp engine", async () => {
  const model = await new LlamaEngine().loadModel(await (await tinyModel()).gguf("f32"), {
    gpu: "cpu",
    contextSize: 128,
    sequences: 4,
    kvCacheType: "f32",
  });
  return {
    model,
    prompt: model.tokenize("<bos><start_of_turn>user\nsalam, labas 3lik?<end_of_turn>\n", {
      parseSpecial: true,
    }),
    otherPrompt: model.tokenize("<bos>شنو كيتسمى المنتخب المغربي؟", { parseSpecial: true }),
  };
});

describe("llama.cpp engine with 8 sequences", () => {
  it("a greedy request gives exactly the same tokens alone and among 7 others", async () => {
    const model = await new LlamaEngine().loadModel(await (await tinyModel()).gguf("q8_0"), {
      gpu: "cpu",
      contextSize: 96,
      sequences: 8,
    });
    try {
      const prompts = [
        "<bos><start_of_turn>user\nشنو كيتسمى المنتخب المغربي ؟<end_of_turn>\n<start_of_turn>model\n",
        "<bos>salam, labas 3lik?",
        "<bos>Le match était très beau.",
        "<bos>wach nta mzyan?",
        "<bos>The weather is nice today.",
        "<bos>اشنو هو الطاجين؟",
        "<bos>7na ghadi nmchiw l-bhar",
        "<bos>2024 3 7 9",
      ].map((p) => model.tokenize(p, { parseSpecial: true }));
      const options = { temperature: 0, maxTokens: 16, cachePrompt: false };
      const alone = await model.generate(prompts[0]!, options).result;
      const together = await Promise.all(prompts.map((p) => model.generate(p, options).result));
      expect(together[0]!.tokens).toEqual(alone.tokens);
      for (const [i, p] of prompts.entries()) {
        if (i === 0) continue;
        expect(together[i]!.tokens, `prompt ${i}`).toEqual((await model.generate(p, options).result).tokens);
      }
    } finally {
      await model.dispose();
    }
  });
});
