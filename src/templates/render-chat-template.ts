/**
 * Renders a model's own Jinja chat template (@huggingface/jinja), giving the same text as transformers'
 * `apply_chat_template(messages, tokenize=False, add_generation_prompt=True)`.
 *
 * Gemma's template rejects a `system` message. We fold the system text into the first user message,
 * separated by a blank line (`"{system}\n\n{user}"`), the way Ollama and node-llama-cpp handle Gemma —
 * only when the template itself refuses system messages.
 */
import { Template } from "@huggingface/jinja";
import { AtlasError, errorMessage, validateMessages, type ChatMessage } from "../core/index.js";

/** Options of {@link renderChatTemplate}. */
export interface RenderChatOptions {
  /** Text of the BOS token, e.g. "<bos>" (templates print it themselves). */
  bosToken: string;
  eosToken: string;
  /** Append the "assistant turn starts here" text; default true. */
  addGenerationPrompt?: boolean;
}

/** Text that no template writes by itself: if it shows up in the output, the system message was kept. */
const SYSTEM_PROBE = "\u2063atlas-system-probe-7f3a\u2063";
const systemSupport = new Map<string, boolean>();
const compiled = new Map<string, Template>();

function compile(source: string): Template {
  let template = compiled.get(source);
  if (template === undefined) {
    try {
      template = new Template(source);
    } catch (error) {
      throw new AtlasError("TEMPLATE", `the model's chat template does not parse: ${errorMessage(error)}`, {
        hint: "the model file's tokenizer.chat_template is broken; re-convert or report it to the model's authors",
        cause: error,
      });
    }
    compiled.set(source, template);
  }
  return template;
}

function render(source: string, messages: readonly ChatMessage[], options: RenderChatOptions): string {
  return compile(source).render({
    messages: messages.map((m) => ({ role: m.role, content: m.content })),
    bos_token: options.bosToken,
    eos_token: options.eosToken,
    add_generation_prompt: options.addGenerationPrompt ?? true,
  });
}

/** Whether `source` accepts a leading system message (probed once per template). */
export function templateSupportsSystem(source: string): boolean {
  let supported = systemSupport.get(source);
  if (supported === undefined) {
    const probe: ChatMessage[] = [
      { role: "system", content: SYSTEM_PROBE },
      { role: "user", content: "u" },
    ];
    try {
      supported = render(source, probe, { bosToken: "", eosToken: "" }).includes(SYSTEM_PROBE);
    } catch {
      supported = false;
    }
    systemSupport.set(source, supported);
  }
  return supported;
}

/**
 * Checks the conversation against the request contract (roles, content, a system message only first) and
 * returns it with the system text folded into the first user turn when the template refuses system messages.
 */
export function prepareMessages(source: string, input: readonly ChatMessage[]): ChatMessage[] {
  const messages = validateMessages(input);
  if (messages[0]?.role !== "system" || templateSupportsSystem(source)) return messages;
  const [system, first, ...rest] = messages;
  if (first === undefined || first.role !== "user") {
    throw new AtlasError("TEMPLATE", "a system message must be followed by a user message", {
      hint: "add the user's question after the system instructions",
    });
  }
  const merged = system.content.trim() === "" ? first.content : `${system.content}\n\n${first.content}`;
  return [{ role: "user", content: merged }, ...rest.map((m) => ({ ...m }))];
}

/**
 * Renders `messages` with the template `source`.
 * @throws AtlasError TEMPLATE when the template refuses the conversation (e.g. roles that do not alternate)
 */
export function renderChatTemplate(
  source: string,
  messages: readonly ChatMessage[],
  options: RenderChatOptions,
): string {
  const prepared = prepareMessages(source, messages);
  try {
    return render(source, prepared, options);
  } catch (error) {
    const roles = prepared.map((m) => m.role).join(", ");
    throw new AtlasError(
      "TEMPLATE",
      `the chat template refused the conversation: ${errorMessage(error)} (roles: ${roles})`,
      {
        hint: "Gemma models need turns that alternate user, assistant, user, … starting with user",
        cause: error,
      },
    );
  }
}
