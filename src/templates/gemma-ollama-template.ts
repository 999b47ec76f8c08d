/**
 * Is an Ollama TEMPLATE Gemma's turn format? Atlas-Chat models are Gemma-2: a template that writes other
 * turn markers would feed them text they were never trained on. We render probe conversations through the
 * template (as Ollama would) and compare them with Gemma's turns; only an exact match is accepted.
 */
import { AtlasError, type ChatMessage } from "../core/index.js";
import { parseOllamaTemplate, renderOllamaChat, type OllamaTemplate } from "./ollama-template.js";

/** How a Gemma-format template treats the system text. */
export interface GemmaTemplateCheck {
  template: OllamaTemplate;
  /**
   * "folded": the system text is written inside the first user turn, before the prompt (as Ollama's gemma2
   * template does); "ignored": the template never reads `.System`, so system text is dropped (as Ollama
   * drops it).
   */
  system: "folded" | "ignored";
}

const USER = "<start_of_turn>user\n";
const MODEL = "<start_of_turn>model\n";
const END = "<end_of_turn>\n";

/** Gemma's rendering of a conversation without system messages, up to where the reply starts. */
function gemmaTurns(messages: readonly ChatMessage[]): string {
  return (
    messages.map((m) => `${m.role === "user" ? USER : MODEL}${m.content}${END}`).join("") +
    (messages.at(-1)?.role === "user" ? MODEL : "")
  );
}

function shown(text: string): string {
  const json = JSON.stringify(text);
  return json.length > 160 ? `${json.slice(0, 160)}…"` : json;
}

const HINT =
  "Atlas-Chat models are Gemma-2: remove the TEMPLATE to use the model's own chat template (tokenizer.chat_template, Gemma's turns), or use Ollama's gemma2 template";

function notGemma(what: string, got: string, want: string): never {
  throw new AtlasError(
    "BAD_ARGUMENT",
    `TEMPLATE is not Gemma's chat format: for ${what} it renders ${shown(got)} where Gemma's turns are ${shown(want)}`,
    { hint: HINT, details: { field: "template" } },
  );
}

/**
 * Checks that `source` renders Gemma's turns (`<start_of_turn>user\n…<end_of_turn>\n<start_of_turn>model\n`)
 * for one message, a multi-turn conversation, and a conversation with system text.
 * @throws AtlasError BAD_ARGUMENT (field `template`) naming what it renders instead, or for syntax outside
 *   the Go-template subset (`range .Messages` templates included)
 * @example checkGemmaOllamaTemplate('<start_of_turn>user\n{{ if .System }}{{ .System }} {{ end }}{{ .Prompt }}<end_of_turn>\n<start_of_turn>model\n{{ .Response }}<end_of_turn>\n')
 */
export function checkGemmaOllamaTemplate(source: string): GemmaTemplateCheck {
  let template: OllamaTemplate;
  try {
    template = parseOllamaTemplate(source);
  } catch (error) {
    if (error instanceof AtlasError && /range|Messages/.test(error.message))
      throw new AtlasError(
        "BAD_ARGUMENT",
        "TEMPLATE uses .Messages or range, which is not supported: atlas honours Ollama's legacy templates (.System, .Prompt, .Response)",
        { hint: HINT, details: { field: "template" }, cause: error },
      );
    throw error;
  }
  if (!template.variables.has("Prompt"))
    throw new AtlasError(
      "BAD_ARGUMENT",
      "TEMPLATE never writes {{ .Prompt }}: the user's message would be lost",
      {
        hint: HINT,
        details: { field: "template" },
      },
    );
  const one: ChatMessage[] = [{ role: "user", content: "Q1" }];
  const many: ChatMessage[] = [
    { role: "user", content: "Q1" },
    { role: "assistant", content: "A1" },
    { role: "user", content: "Q2" },
  ];
  for (const [what, messages] of [
    ["one user message", one],
    ["a conversation of three turns", many],
  ] as const) {
    const got = renderOllamaChat(template, messages);
    const want = gemmaTurns(messages);
    if (got !== want) notGemma(what, got, want);
  }
  const withSystem = renderOllamaChat(template, [{ role: "system", content: "S1" }, ...one]);
  const plain = gemmaTurns(one);
  if (withSystem === plain) return { template, system: "ignored" };
  const [head, tail] = [USER, `Q1${END}${MODEL}`];
  const inside = withSystem.slice(head.length, withSystem.length - tail.length);
  if (
    !withSystem.startsWith(head) ||
    !withSystem.endsWith(tail) ||
    !inside.startsWith("S1") ||
    inside.includes("<start_of_turn>") ||
    inside.includes("<end_of_turn>")
  )
    notGemma(
      "a system message and a user message",
      withSystem,
      `${USER}S1 Q1${END}${MODEL} (the system text inside the first user turn)`,
    );
  return { template, system: "folded" };
}
