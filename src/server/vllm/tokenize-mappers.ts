/**
 * vLLM's tokenizer routes' JSON ↔ backend calls (pure mappers): `/tokenize` in its completion form
 * (`prompt`, BOS added unless `add_special_tokens: false`) or chat form (`messages` through the chat
 * template, `add_generation_prompt` default true, nothing added on top by default), `/detokenize`,
 * `/tokenizer_info` (tokenizer_config.json's names).
 */
import type {
  DetokenizeResponse,
  TokenizeRequest,
  TokenizeResponse,
  TokenizerInfoResponse,
} from "../../wire/index.js";
import type { TokenizeInput, TokenizeResult, TokenizerDescription } from "../backend.js";
import { badField } from "../json-body.js";
import { checkModelName } from "../model-names.js";
import { conversationOf } from "../openai/messages.js";

/** A parsed `/tokenize` call. */
export interface TokenizeCall {
  /** The model named, or undefined for the server's only one. */
  model: string | undefined;
  input: TokenizeInput;
  withPieces: boolean;
}

/** The model field of a vLLM request (optional there). */
export function optionalModel(model: string | null | undefined): string | undefined {
  return model === undefined || model === null || model === "" ? undefined : checkModelName(model);
}

/**
 * `/tokenize` body → call.
 * @throws AtlasError BAD_ARGUMENT naming the field
 */
export function tokenizeCall(body: TokenizeRequest): TokenizeCall {
  const model = optionalModel(body.model);
  const withPieces = body.return_token_strs === true;
  const hasPrompt = body.prompt !== undefined && body.prompt !== null;
  const hasMessages = body.messages !== undefined && body.messages !== null;
  if (hasPrompt === hasMessages)
    throw badField("prompt", "send either prompt (text) or messages (a conversation) to tokenize");
  if (body.chat_template !== undefined && body.chat_template !== null)
    throw badField("chat_template", "chat_template is not accepted: the model's own chat template is used");
  if (body.tools !== undefined && body.tools !== null && body.tools.length > 0)
    throw badField("tools", "tools are not supported: Atlas-Chat has no tool calling");
  if (hasPrompt)
    return {
      model,
      withPieces,
      input: { kind: "text", text: body.prompt!, addSpecial: body.add_special_tokens ?? true },
    };
  if (body.continue_final_message === true)
    throw badField("continue_final_message", "continue_final_message is not supported");
  return {
    model,
    withPieces,
    input: {
      kind: "messages",
      messages: conversationOf(body.messages!),
      addGenerationPrompt: body.add_generation_prompt ?? true,
      addSpecial: body.add_special_tokens ?? false,
    },
  };
}

/** `/tokenize`'s answer. */
export function tokenizeReply(result: TokenizeResult): TokenizeResponse {
  return {
    count: result.tokens.length,
    max_model_len: result.contextLength,
    tokens: result.tokens,
    ...(result.pieces === undefined ? {} : { token_strs: result.pieces }),
  };
}

/** `/detokenize`'s answer. */
export function detokenizeReply(text: string): DetokenizeResponse {
  return { prompt: text };
}

/** `/tokenizer_info`'s answer, in tokenizer_config.json's names. */
export function tokenizerInfoReply(info: TokenizerDescription): TokenizerInfoResponse {
  return {
    tokenizer_class: info.tokenizerClass,
    bos_token: info.bosToken ?? null,
    eos_token: info.eosToken ?? null,
    pad_token: null,
    add_bos_token: info.addBos,
    add_eos_token: false,
    model_max_length: info.contextLength,
    ...(info.chatTemplate === undefined ? {} : { chat_template: info.chatTemplate }),
    // An upstream's own answer wins: it is that server's tokenizer.
    ...info.extra,
  };
}
