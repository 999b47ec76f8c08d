/**
 * The chat template and special-token texts of a GGUF, read from its metadata without loading the weights
 * (for `atlas run --print-prompt`, and for servers that only need to render prompts).
 */
import type { ChatMessage } from "../core/index.js";
import { ggufArray, ggufNumber, ggufScalar, ggufString, readGguf } from "../convert/index.js";
import type { ResolvedModel } from "../store/index.js";
import { GEMMA2_CHAT_TEMPLATE, renderChatTemplate, renderOllamaChat } from "../templates/index.js";
import { modelDefaultsOf, withDefaultMessages } from "./model-defaults.js";

export interface PromptFormat {
  chatTemplate: string;
  bosText: string;
  eosText: string;
  /** The tokenizer adds BOS in front of a prompt (`tokenizer.ggml.add_bos_token`, default true). */
  addBos: boolean;
}

export async function readPromptFormat(path: string): Promise<PromptFormat> {
  const file = await readGguf(path);
  const tokens = ggufArray(file, "tokenizer.ggml.tokens") ?? [];
  const text = (key: string): string => {
    const id = ggufNumber(file, key);
    const token = id === undefined ? undefined : tokens[id];
    return typeof token === "string" ? token : "";
  };
  return {
    chatTemplate: ggufString(file, "tokenizer.chat_template") ?? GEMMA2_CHAT_TEMPLATE,
    bosText: text("tokenizer.ggml.bos_token_id"),
    eosText: text("tokenizer.ggml.eos_token_id"),
    addBos: ggufScalar(file, "tokenizer.ggml.add_bos_token") !== false,
  };
}

/**
 * The exact prompt text a conversation becomes for a resolved model, without loading the weights (what
 * `atlas run --print-prompt` prints): a created model's SYSTEM and MESSAGE history joined in, rendered with
 * its TEMPLATE (BOS first) or the model's own chat template.
 */
export async function renderPromptText(
  model: ResolvedModel,
  messages: readonly ChatMessage[],
): Promise<string> {
  const format = await readPromptFormat(model.path);
  const defaults = modelDefaultsOf(model.created);
  const conversation = withDefaultMessages(messages, defaults);
  if (defaults.template !== undefined)
    return `${format.addBos ? format.bosText : ""}${renderOllamaChat(defaults.template, conversation)}`;
  return renderChatTemplate(format.chatTemplate, conversation, {
    bosToken: format.bosText,
    eosToken: format.eosText,
  });
}
