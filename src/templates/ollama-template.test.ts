/** Ollama's legacy prompt templates: per-turn rendering as template.go does it, and the Gemma check. */
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../core/index.js";
import { checkGemmaOllamaTemplate } from "./gemma-ollama-template.js";
import { GEMMA2_CHAT_TEMPLATE } from "./gemma2-template.js";
import { renderChatTemplate } from "./render-chat-template.js";
import { renderOllamaChat, renderOllamaTemplate } from "./ollama-template.js";

/** The shape of Ollama's gemma2 library template (legacy .System/.Prompt/.Response). */
const GEMMA2 =
  "<start_of_turn>user\n{{ if .System }}{{ .System }} {{ end }}{{ .Prompt }}<end_of_turn>\n<start_of_turn>model\n{{ .Response }}<end_of_turn>\n";
/** A Gemma template that never writes the system text. */
const NO_SYSTEM =
  "<start_of_turn>user\n{{ .Prompt }}<end_of_turn>\n<start_of_turn>model\n{{ .Response }}<end_of_turn>\n";

const conversation: ChatMessage[] = [
  { role: "system", content: "جاوب بالدارجة." },
  { role: "user", content: "salam" },
  { role: "assistant", content: "wa 3alikoum salam" },
  { role: "user", content: "labas?" },
];

describe("renderOllamaChat", () => {
  it("renders each turn through the template and cuts the last after {{ .Response }}", () => {
    expect(renderOllamaChat(GEMMA2, conversation)).toBe(
      "<start_of_turn>user\nجاوب بالدارجة. salam<end_of_turn>\n<start_of_turn>model\nwa 3alikoum salam<end_of_turn>\n" +
        "<start_of_turn>user\nlabas?<end_of_turn>\n<start_of_turn>model\n",
    );
  });

  it("gives Gemma's own turns (the model's Jinja template) for a conversation without system text", () => {
    const turns = conversation.slice(1);
    const jinja = renderChatTemplate(GEMMA2_CHAT_TEMPLATE, turns, { bosToken: "", eosToken: "" });
    expect(renderOllamaChat(GEMMA2, turns)).toBe(jinja);
  });

  it("joins consecutive messages of one role with a blank line, as Ollama's collate does", () => {
    const text = renderOllamaChat(NO_SYSTEM, [
      { role: "user", content: "a" },
      { role: "user", content: "b" },
    ]);
    expect(text).toBe("<start_of_turn>user\na\n\nb<end_of_turn>\n<start_of_turn>model\n");
  });

  it("continues a reply that was started (the last message is the assistant's)", () => {
    const text = renderOllamaChat(GEMMA2, [
      { role: "user", content: "3tini jomla" },
      { role: "assistant", content: "Lyoum" },
    ]);
    expect(text).toBe("<start_of_turn>user\n3tini jomla<end_of_turn>\n<start_of_turn>model\nLyoum");
  });

  it("cuts the else branch of an if that holds {{ .Response }} as Ollama's tree cut does", () => {
    const template = "{{ if .Prompt }}[{{ .Prompt }}]{{ .Response }} after{{ else }}empty{{ end }} tail";
    expect(renderOllamaTemplate(template, { system: "", prompt: "p" })).toBe("[p]");
    expect(renderOllamaTemplate(template, { system: "", prompt: "" })).toBe("");
  });
});

describe("checkGemmaOllamaTemplate", () => {
  it("accepts Ollama's gemma2 template: the system text folded into the first user turn", () => {
    expect(checkGemmaOllamaTemplate(GEMMA2).system).toBe("folded");
  });

  it("accepts a Gemma template that ignores .System, and says so", () => {
    expect(checkGemmaOllamaTemplate(NO_SYSTEM).system).toBe("ignored");
  });

  it.each([
    [
      "ChatML",
      "{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n<|im_start|>assistant\n{{ .Response }}<|im_end|>\n",
      /not Gemma's chat format: for one user message it renders "<\|im_start\|>user/,
    ],
    ["Gemma with <bos> in it", `<bos>${GEMMA2}`, /not Gemma's chat format/],
    [
      "Gemma without the end of the model's turn",
      GEMMA2.replace("{{ .Response }}<end_of_turn>\n", "{{ .Response }}"),
      /a conversation of three turns/,
    ],
    ["no .Prompt", "<start_of_turn>user\n{{ .System }}", /never writes \{\{ \.Prompt \}\}/],
    [
      "a .Messages template",
      '{{- range .Messages }}<start_of_turn>{{ if eq .Role "user" }}user{{ else }}model{{ end }}\n{{ .Content }}<end_of_turn>\n{{ end }}<start_of_turn>model\n',
      /uses \.Messages or range, which is not supported/,
    ],
    [
      "the system text after the prompt",
      GEMMA2.replace(
        "{{ if .System }}{{ .System }} {{ end }}{{ .Prompt }}",
        "{{ .Prompt }}{{ if .System }} {{ .System }}{{ end }}",
      ),
      /a system message and a user message/,
    ],
  ])("refuses %s, pointing to the model's own template", (_label, template, message) => {
    expect(() => checkGemmaOllamaTemplate(template)).toThrow(message);
    expect(() => checkGemmaOllamaTemplate(template)).toThrow(
      /remove the TEMPLATE to use the model's own chat template/,
    );
  });
});
