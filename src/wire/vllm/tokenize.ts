/**
 * vLLM's tokenizer routes (vllm/entrypoints/serve/tokenize/protocol.py): `POST /tokenize` (text with
 * `add_special_tokens` default true, or chat `messages` rendered with the chat template, `add_special_tokens`
 * default false), `POST /detokenize`, `GET /tokenizer_info`. lm-evaluation-harness's remote tokenizer
 * (`tokenizer_backend=remote`) calls them at the server's root with no `model`.
 */
import { z } from "zod";
import { REQUEST_LIMITS } from "../../core/index.js";
import { ChatRequestMessageSchema } from "../openai/chat.js";
import { bool, int, list, object, opt, text } from "../fields.js";

/** Most token ids one `/detokenize` request may carry. */
export const MAX_DETOKENIZE_TOKENS = 1_048_576;

/** `POST /tokenize`: exactly one of `prompt` (completion form) or `messages` (chat form). */
export const TokenizeRequestSchema = object({
  model: opt(text()),
  prompt: opt(text()),
  messages: opt(list(ChatRequestMessageSchema, REQUEST_LIMITS.maxMessages, "a list of messages")),
  add_special_tokens: opt(bool()),
  add_generation_prompt: opt(bool()),
  continue_final_message: opt(bool()),
  return_token_strs: opt(bool()),
  /** A template sent with the request: vLLM refuses it unless trusted; so do we. */
  chat_template: opt(text()),
  chat_template_kwargs: opt(z.record(z.string(), z.unknown())),
  tools: opt(z.array(z.unknown())),
  mm_processor_kwargs: opt(z.unknown()),
  media_io_kwargs: opt(z.unknown()),
});

/** A parsed `/tokenize` request. */
export type TokenizeRequest = z.output<typeof TokenizeRequestSchema>;

/** `/tokenize`'s answer. */
export const TokenizeResponseSchema = z.looseObject({
  count: z.number(),
  max_model_len: z.number(),
  tokens: z.array(z.number()),
  token_strs: z.array(z.string()).nullish(),
});

/** `/tokenize`'s answer as the server writes it. */
export type TokenizeResponse = z.input<typeof TokenizeResponseSchema>;

/** `POST /detokenize`. */
export const DetokenizeRequestSchema = object({
  model: opt(text()),
  tokens: list(int(0, Number.MAX_SAFE_INTEGER), MAX_DETOKENIZE_TOKENS, "a list of token ids"),
});

/** A parsed `/detokenize` request. */
export type DetokenizeRequest = z.output<typeof DetokenizeRequestSchema>;

/** `/detokenize`'s answer. */
export const DetokenizeResponseSchema = z.looseObject({ prompt: z.string() });

/** `/detokenize`'s answer as the server writes it. */
export type DetokenizeResponse = z.input<typeof DetokenizeResponseSchema>;

/**
 * `GET /tokenizer_info`: the tokenizer's configuration (vLLM returns `tokenizer_config.json`'s
 * settings); lm-eval reads `eos_token`, `bos_token`, `pad_token` and `chat_template`.
 */
export const TokenizerInfoResponseSchema = z.looseObject({
  tokenizer_class: z.string(),
  eos_token: z.string().nullish(),
  bos_token: z.string().nullish(),
  pad_token: z.string().nullish(),
  chat_template: z.string().nullish(),
  add_bos_token: z.boolean().optional(),
  add_eos_token: z.boolean().optional(),
  model_max_length: z.number().optional(),
});

/** `/tokenizer_info`'s answer as the server writes it. */
export type TokenizerInfoResponse = z.input<typeof TokenizerInfoResponseSchema>;
