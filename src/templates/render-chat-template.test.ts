import { describe, expect, it } from "vitest";
import { isAtlasError } from "../core/index.js";
import { GEMMA2_CHAT_TEMPLATE } from "./gemma2-template.js";
import { renderChatTemplate, templateSupportsSystem } from "./render-chat-template.js";

const opts = { bosToken: "<bos>", eosToken: "<eos>" };

describe("renderChatTemplate with the Gemma-2 template", () => {
  it("renders a single Darija turn exactly like transformers", () => {
    const text = renderChatTemplate(
      GEMMA2_CHAT_TEMPLATE,
      [{ role: "user", content: "اشنو هو الطاجين ؟" }],
      opts,
    );
    expect(text).toBe("<bos><start_of_turn>user\nاشنو هو الطاجين ؟<end_of_turn>\n<start_of_turn>model\n");
  });

  it("renders multi-turn conversations, renames assistant to model and trims content", () => {
    const text = renderChatTemplate(
      GEMMA2_CHAT_TEMPLATE,
      [
        { role: "user", content: "  salam, labas?  " },
        { role: "assistant", content: "labas, l7amdoullah!\n" },
        { role: "user", content: "شنو كيتسمى المنتخب المغربي ؟" },
      ],
      opts,
    );
    expect(text).toBe(
      "<bos><start_of_turn>user\nsalam, labas?<end_of_turn>\n" +
        "<start_of_turn>model\nlabas, l7amdoullah!<end_of_turn>\n" +
        "<start_of_turn>user\nشنو كيتسمى المنتخب المغربي ؟<end_of_turn>\n<start_of_turn>model\n",
    );
  });

  it("omits the generation prompt when asked", () => {
    const text = renderChatTemplate(GEMMA2_CHAT_TEMPLATE, [{ role: "user", content: "a" }], {
      ...opts,
      addGenerationPrompt: false,
    });
    expect(text).toBe("<bos><start_of_turn>user\na<end_of_turn>\n");
  });

  it("folds a system message into the first user turn", () => {
    expect(templateSupportsSystem(GEMMA2_CHAT_TEMPLATE)).toBe(false);
    const text = renderChatTemplate(
      GEMMA2_CHAT_TEMPLATE,
      [
        { role: "system", content: "جاوب بالدارجة." },
        { role: "user", content: "شنو هي عاصمة المغرب؟" },
      ],
      opts,
    );
    expect(text).toBe(
      "<bos><start_of_turn>user\nجاوب بالدارجة.\n\nشنو هي عاصمة المغرب؟<end_of_turn>\n<start_of_turn>model\n",
    );
  });

  it("keeps a system message for templates that support it", () => {
    const chatml =
      "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
    expect(templateSupportsSystem(chatml)).toBe(true);
    const text = renderChatTemplate(
      chatml,
      [
        { role: "system", content: "S" },
        { role: "user", content: "U" },
      ],
      opts,
    );
    expect(text).toBe(
      "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n",
    );
  });

  it.each([
    [
      [
        { role: "user", content: "a" },
        { role: "user", content: "b" },
      ],
      "TEMPLATE",
      /alternate/,
    ],
    [[{ role: "assistant", content: "a" }], "TEMPLATE", /alternate/],
    [
      [
        { role: "user", content: "a" },
        { role: "system", content: "b" },
      ],
      "BAD_ARGUMENT",
      /only the first message may be one/,
    ],
    [[{ role: "system", content: "a" }], "TEMPLATE", /followed by a user/],
    [[], "BAD_ARGUMENT", /empty/],
    [
      [{ role: "tool", content: "a" }],
      "BAD_ARGUMENT",
      /messages\[0\]\.role must be one of system, user, assistant, got 'tool'/,
    ],
    [[{ role: "user", content: 3 }], "BAD_ARGUMENT", /messages\[0\]\.content must be text/],
  ] as const)("rejects %j with a clear error", (messages, code, pattern) => {
    try {
      renderChatTemplate(GEMMA2_CHAT_TEMPLATE, messages as never, opts);
      expect.unreachable();
    } catch (error) {
      expect(isAtlasError(error, code)).toBe(true);
      expect(String(error)).toMatch(pattern);
    }
  });

  it("folds the system message into the user turn when the template silently drops it", () => {
    // A template that prints only user/assistant turns (and the letters of "<start_of_turn>" etc.).
    const dropping =
      "{% for m in messages %}{% if m.role != 'system' %}<start_of_turn>{{ m.role }}\n{{ m.content }}<end_of_turn>\n{% endif %}{% endfor %}";
    const text = renderChatTemplate(
      dropping,
      [
        { role: "system", content: "s" },
        { role: "user", content: "u" },
      ],
      opts,
    );
    expect(text).toBe("<start_of_turn>user\ns\n\nu<end_of_turn>\n");
  });

  it("reports a template that does not parse", () => {
    expect(() => renderChatTemplate("{% for %}", [{ role: "user", content: "a" }], opts)).toThrow(
      /does not parse/,
    );
  });
});
