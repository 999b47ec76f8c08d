/** loadModel on a model made with createModel: its defaults reach generate, its load parameters the engine. */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModel, type AtlasModel } from "../../src/api/index.js";
import { createModel } from "../../src/store/index.js";
import { tinyModel } from "../helpers/tiny-gguf.js";
import { scratchDir } from "../hub/fixtures.js";

describe("a created model loaded by name", () => {
  let model: AtlasModel;

  beforeAll(async () => {
    const env = { ATLAS_HOME: join(await scratchDir("created-api"), "atlas") };
    await createModel({
      env,
      name: "darija-tutor",
      from: { kind: "path", path: await (await tinyModel()).gguf("q8_0") },
      system: "جاوب بالدارجة.",
      messages: [
        { role: "user", content: "salam" },
        { role: "assistant", content: "wa 3alikoum salam" },
      ],
      parameters: { temperature: 0, num_predict: 2, num_ctx: 128, repeat_last_n: -1 },
    });
    model = await loadModel("darija-tutor", { env, gpu: "cpu", sequences: 1 });
  });
  afterAll(async () => {
    await model.dispose();
  });

  it("loads with num_ctx as its context and keeps the defaults", () => {
    expect(model.info.contextSize).toBe(128);
    expect(model.defaults).toMatchObject({ name: "darija-tutor:latest", system: "جاوب بالدارجة." });
    expect(model.withDefaultOptions({ topK: 5 })).toEqual({
      temperature: 0,
      maxTokens: 2,
      topK: 5,
      repeatLastN: 128,
    });
  });

  it("joins SYSTEM and MESSAGE to a conversation, the request's own system message first", () => {
    expect(model.withDefaults([{ role: "user", content: "labas?" }])).toEqual([
      { role: "system", content: "جاوب بالدارجة." },
      { role: "user", content: "salam" },
      { role: "assistant", content: "wa 3alikoum salam" },
      { role: "user", content: "labas?" },
    ]);
    expect(
      model.withDefaults([
        { role: "system", content: "Be brief." },
        { role: "user", content: "x" },
      ])[0],
    ).toEqual({
      role: "system",
      content: "Be brief.",
    });
  });

  it("generate applies them: two greedy tokens, the same each time", async () => {
    const a = await model.generate([{ role: "user", content: "labas?" }]).result;
    const b = await model.generate([{ role: "user", content: "labas?" }]).result;
    expect(a.tokens).toHaveLength(2);
    expect(b.tokens).toEqual(a.tokens);
    expect(a.stats.promptTokens).toBe(
      model.applyChatTemplate(model.withDefaults([{ role: "user", content: "labas?" }]), { tokenize: true })
        .length,
    );
  });
});
