import { describe, expect, it } from "vitest";
import { engineContract } from "../../test/engine/engine-contract.js";
import { FakeEngine } from "./fake-engine.js";

engineContract("fake engine", async () => {
  const model = await new FakeEngine().loadModel("fake.gguf", { contextSize: 256 });
  return {
    model,
    prompt: model.tokenize("<bos><start_of_turn>user\nsalam<end_of_turn>\n", { parseSpecial: true }),
    otherPrompt: model.tokenize("<bos>واش نتا مزيان؟", { parseSpecial: true }),
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
});
