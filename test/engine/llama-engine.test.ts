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
