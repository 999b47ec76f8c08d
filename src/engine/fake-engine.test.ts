import { describe, expect, it } from "vitest";
import { engineContract } from "../../test/engine/engine-contract.js";
import { FakeEngine } from "./fake-engine.js";

const PROMPTS = [
  "<bos><start_of_turn>user\nsalam<end_of_turn>\n",
  "<bos>واش نتا مزيان؟",
  "<bos>salam, labas 3lik?",
  "<bos>Le match était très beau.",
  "<bos>wach nta mzyan?",
  "<bos>The weather is nice today.",
  "<bos>اشنو هو الطاجين؟",
  "<bos>7na ghadi nmchiw l-bhar",
  "<bos>2024 3 7 9",
  "<bos>ana",
  "<bos>x",
  "<bos>bghit nmchi l-casa ghedda",
];

engineContract("fake engine", async () => {
  const engine = new FakeEngine();
  const probe = await engine.loadModel("fake.gguf");
  const prompts = PROMPTS.map((p) => probe.tokenize(p, { parseSpecial: true }));
  return {
    load: (options) => engine.loadModel("fake.gguf", { contextSize: 256, ...options }),
    prompt: prompts[0]!,
    otherPrompt: prompts[1]!,
    prompts,
  };
});

describe("fake engine replies", () => {
  it("spells the scripted reply after the model marker, then stops", async () => {
    const model = await new FakeEngine({
      reply: (p) => (p.includes("salam") ? "wa 3alikoum salam" : "?"),
    }).loadModel("x");
    const prompt = model.tokenize("<bos><start_of_turn>user\nsalam<end_of_turn>\n<start_of_turn>model\n", {
      parseSpecial: true,
    });
    const r = await model.generate(prompt, { temperature: 0 }).result;
    expect(r.text).toBe("wa 3alikoum salam");
    expect(r.stats.finishReason).toBe("stop");
  });

  it("spells multi-byte replies (Arabic) exactly", async () => {
    const model = await new FakeEngine({ reply: () => "وعليكم السلام 👋" }).loadModel("x");
    const prompt = model.tokenize("<bos><start_of_turn>user\nسلام<end_of_turn>\n<start_of_turn>model\n", {
      parseSpecial: true,
    });
    const r = await model.generate(prompt, { temperature: 0 }).result;
    expect(r.text).toBe("وعليكم السلام 👋");
  });
});
