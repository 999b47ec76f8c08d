/**
 * llama.cpp's tokenization of our converted GGUF must equal a reference SentencePiece-BPE tokenization of
 * the checkpoint's tokenizer.model (test/helpers/reference-tokenizer.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaEngine } from "../../src/engine/llama/llama-engine.js";
import type { EngineModel } from "../../src/engine/types.js";
import { CORPUS_LINES, TEST_STRING_CASES } from "../helpers/corpus.js";
import { ReferenceTokenizer } from "../helpers/reference-tokenizer.js";
import { tinyModel, type TinyModel } from "../helpers/tiny-gguf.js";

const SPECIAL = /<bos>|<eos>|<pad>|<unk>|<mask>|<start_of_turn>|<end_of_turn>/;

describe("tokenizer parity: llama.cpp on the converted GGUF vs the tokenizer.model reference", () => {
  let tiny: TinyModel;
  let model: EngineModel;
  let reference: ReferenceTokenizer;

  beforeAll(async () => {
    tiny = await tinyModel();
    model = await new LlamaEngine().loadModel(await tiny.gguf("f32"), {
      gpu: "cpu",
      contextSize: 64,
      sequences: 1,
    });
    reference = new ReferenceTokenizer(tiny.checkpoint.vocab);
  });
  afterAll(async () => {
    await model.dispose();
  });

  it.each(Object.entries(TEST_STRING_CASES))("%s, with special tokens parsed", (_name, text) => {
    expect(model.tokenize(text, { parseSpecial: true })).toEqual(
      reference.encode(text, { parseSpecial: true }),
    );
  });

  it.each(Object.entries(TEST_STRING_CASES).filter(([, text]) => !SPECIAL.test(text)))(
    "%s, as plain text",
    (_name, text) => {
      expect(model.tokenize(text)).toEqual(reference.encode(text));
    },
  );

  it("every corpus line (Darija in Arabic script and Arabizi, French, English, digits)", () => {
    const mismatches = CORPUS_LINES.filter(
      (line) => JSON.stringify(model.tokenize(line)) !== JSON.stringify(reference.encode(line)),
    );
    expect(mismatches).toEqual([]);
  });

  it("adds exactly one BOS, read from the model (not hard-coded)", () => {
    const ids = model.tokenize("salam", { addSpecial: true });
    expect(ids[0]).toBe(tiny.checkpoint.specialIds.bos);
    expect(ids.slice(1)).toEqual(reference.encode("salam"));
  });

  it("turn markers map to the ids the checkpoint gave them (here not Gemma's 106/107)", () => {
    const ids = model.tokenize("<start_of_turn>model\n<end_of_turn>", { parseSpecial: true });
    expect(ids[0]).toBe(tiny.checkpoint.specialIds.startOfTurn);
    expect(ids.at(-1)).toBe(tiny.checkpoint.specialIds.endOfTurn);
    expect(tiny.checkpoint.specialIds.endOfTurn).not.toBe(107);
    expect(model.info.tokens.endOfGeneration).toContain(tiny.checkpoint.specialIds.endOfTurn);
  });

  it("emoji fall back to byte pieces and decode back", () => {
    const text = TEST_STRING_CASES["emoji"] ?? "🇲🇦😀";
    expect(model.detokenize(model.tokenize(text))).toBe(text);
  });
});
