import { describe, expect, it } from "vitest";
import { resolveSpecialTokens, type SpecialTokenSources } from "./special-tokens.js";
import { looksSpecial } from "./looks-special.js";

const TOKENS = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "<start_of_turn>", "<end_of_turn>", "a", "b"];

function sources(patch: Partial<SpecialTokenSources> = {}): SpecialTokenSources {
  return {
    tokens: TOKENS,
    tokenizerJson: undefined,
    tokenizerConfig: undefined,
    config: {},
    trainer: {},
    chatTemplateFile: undefined,
    warnings: [],
    ...patch,
  };
}

describe("resolveSpecialTokens", () => {
  it("resolves tokenizer_config texts through tokenizer.json's added_tokens first", () => {
    const special = resolveSpecialTokens(
      sources({
        tokenizerJson: { added_tokens: [{ id: 8, content: "<bos>" }] },
        tokenizerConfig: {
          bos_token: "<bos>",
          eos_token: { content: "<eos>" },
          add_bos_token: true,
          add_eos_token: false,
        },
      }),
    );
    expect(special.ids).toEqual([
      { role: "bos", id: 8 },
      { role: "eos", id: 1 },
    ]);
    expect(special.add).toEqual([
      { role: "bos", value: true },
      { role: "eos", value: false },
    ]);
    expect(special.eot).toBe(6);
  });

  it("then added_tokens_decoder, then the vocabulary", () => {
    const special = resolveSpecialTokens(
      sources({
        tokenizerConfig: {
          pad_token: "<pad>",
          unk_token: "<unk>",
          added_tokens_decoder: { "7": { content: "<unk>" } },
        },
      }),
    );
    expect(special.ids).toEqual([
      { role: "unk", id: 7 },
      { role: "pad", id: 0 },
    ]);
  });

  it("uses config.json integer ids only for roles still unset, ignoring lists", () => {
    const special = resolveSpecialTokens(
      sources({
        tokenizerConfig: { bos_token: "<bos>" },
        config: { bos_token_id: 5, eos_token_id: [1, 6], pad_token_id: 0 },
      }),
    );
    expect(special.ids).toEqual([
      { role: "bos", id: 2 },
      { role: "pad", id: 0 },
    ]);
  });

  it("falls back to the SentencePiece trainer ids, skipping -1 and out-of-range ids", () => {
    const warnings: string[] = [];
    const special = resolveSpecialTokens(
      sources({
        trainer: { bosId: 2, eosId: 1, unkId: 3, padId: -1 },
        config: { pad_token_id: 99 },
        warnings,
      }),
    );
    expect(special.ids).toEqual([
      { role: "bos", id: 2 },
      { role: "eos", id: 1 },
      { role: "unk", id: 3 },
    ]);
    expect(warnings.join()).toMatch(/pad id 99 is out of range/);
  });

  it("reads add_bos from a TemplateProcessing post-processor, overridden by tokenizer_config", () => {
    const tokenizerJson = {
      added_tokens: [],
      post_processor: {
        type: "TemplateProcessing",
        single: [{ SpecialToken: { id: "<bos>" } }, { Sequence: { id: "A" } }],
      },
    };
    expect(
      resolveSpecialTokens(sources({ tokenizerJson, tokenizerConfig: { bos_token: "<bos>" } })).add,
    ).toEqual([{ role: "bos", value: true }]);
    expect(
      resolveSpecialTokens(
        sources({ tokenizerJson, tokenizerConfig: { bos_token: "<bos>", add_bos_token: false } }),
      ).add,
    ).toEqual([{ role: "bos", value: false }]);
  });

  it("takes the chat template from tokenizer_config, else from chat_template.jinja/.json", () => {
    expect(
      resolveSpecialTokens(sources({ tokenizerConfig: { chat_template: "A" }, chatTemplateFile: "B" }))
        .chatTemplate,
    ).toBe("A");
    expect(resolveSpecialTokens(sources({ tokenizerConfig: {}, chatTemplateFile: "B" })).chatTemplate).toBe(
      "B",
    );
    const listed = resolveSpecialTokens(
      sources({
        tokenizerConfig: {
          chat_template: [
            { name: "default", template: "D" },
            { name: "tool use", template: "T" },
          ],
        },
      }),
    );
    expect(listed.chatTemplate).toBe("D");
    expect(listed.namedTemplates).toEqual([{ name: "tool_use", template: "T" }]);
  });
});

describe("looksSpecial (llama.cpp's does_token_look_special)", () => {
  it.each(["<pad>", "<mask>", "<2mass>", "[@BOS@]", "<unused0>", "<unused98>", "<|im_start|>", "<｜end｜>"])(
    "%s looks special",
    (text) => expect(looksSpecial(text)).toBe(true),
  );
  it.each(["<start_of_turn>", "<bos>", "hello", "<unused"])("%s does not", (text) =>
    expect(looksSpecial(text)).toBe(false),
  );
});
