/**
 * Renders a model's own Jinja chat template (@huggingface/jinja), giving the same text as transformers'
 * `apply_chat_template(messages, tokenize=False, add_generation_prompt=True)`.
 *
 * Gemma's template rejects a `system` message. We fold the system text into the first user message,
 * separated by a blank line (`"{system}\n\n{user}"`), the way Ollama and node-llama-cpp handle Gemma —
 * only when the template itself refuses system messages.
 */
import { Template } from "@huggingface/jinja";
import { AtlasError, errorMessage, type ChatMessage } from "../core/index.js";

/** Options of {@link renderChatTemplate}. */
export interface RenderChatOptions {
  /** Text of the BOS token, e.g. "<bos>" (templates print it themselves). */
  bosToken: string;
  eosToken: string;
  /** Append the "assistant turn starts here" text; default true. */
  addGenerationPrompt?: boolean;
}

const ROLES = new Set(["system", "user", "assistant"]);
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
      { role: "system", content: "s" },
      { role: "user", content: "u" },
    ];
    try {
      supported = render(source, probe, { bosToken: "", eosToken: "" }).includes("s");
    } catch {
      supported = false;
    }
    systemSupport.set(source, supported);
  }
  return supported;
}

/** Checks message shapes; returns the messages with system text folded in when the template needs it. */
export function prepareMessages(source: string, messages: readonly ChatMessage[]): ChatMessage[] {
  messages.forEach((m, i) => {
    if (!ROLES.has(m.role)) {
      throw new AtlasError("BAD_ARGUMENT", `message ${i + 1} has role '${String(m.role)}'`, {
        hint: "roles are system, user or assistant",
      });
    }
    if (typeof m.content !== "string")
      throw new AtlasError("BAD_ARGUMENT", `message ${i + 1} has no text content`);
  });
  const systemIndex = messages.findIndex((m) => m.role === "system");
  if (systemIndex < 0 || templateSupportsSystem(source)) return messages.map((m) => ({ ...m }));
  if (systemIndex > 0 || messages.slice(1).some((m) => m.role === "system")) {
    throw new AtlasError("TEMPLATE", "this model accepts a system message only as the first message", {
      hint: "put the system instructions first, once",
    });
  }
  const [system, first, ...rest] = messages;
  if (first === undefined || first.role !== "user") {
    throw new AtlasError("TEMPLATE", "a system message must be followed by a user message", {
      hint: "add the user's question after the system instructions",
    });
  }
  const merged = system!.content.trim() === "" ? first.content : `${system!.content}\n\n${first.content}`;
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
  if (messages.length === 0)
    throw new AtlasError("BAD_ARGUMENT", "the conversation is empty", {
      hint: "send at least one user message",
    });
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
