/**
 * OpenAI's `/v1/chat/completions`: the request (every field clients send that we act on or knowingly
 * refuse), the response and the stream chunk. Field lists follow openai-node 6.x
 * (`ChatCompletionCreateParamsBase`, `ChatCompletion`, `ChatCompletionChunk`) plus vLLM's sampling
 * extensions (`top_k`, `min_p`, `repetition_penalty`, `typical_p`).
 */
import { z } from "zod";
import { REQUEST_LIMITS } from "../../core/index.js";
import { anyObject, bool, int, list, num, object, oneOf, opt, text } from "../fields.js";

/** Most stop strings OpenAI accepts (our contract accepts more; the wire keeps OpenAI's rule loose). */
const MAX_STOPS = REQUEST_LIMITS.maxStops;

/** One content part of a message: text, or a kind Atlas-Chat cannot read (refused by the mapper). */
export const ChatContentPartSchema = object({
  type: text(),
  text: opt(text()),
  image_url: opt(z.unknown()),
  input_audio: opt(z.unknown()),
  file: opt(z.unknown()),
  refusal: opt(text()),
  /** Anthropic-style prompt caching hints some clients attach to parts. */
  cache_control: opt(z.unknown()),
});

/** A message's content: text or a list of parts. */
export const ChatContentSchema = z.union([text(), list(ChatContentPartSchema, 4096, "a list of parts")], {
  error: "text or a list of content parts",
});

/** One message of a chat request. */
export const ChatRequestMessageSchema = object({
  role: text(),
  content: opt(ChatContentSchema),
  name: opt(text()),
  tool_calls: opt(z.array(z.unknown(), { error: "a list" })),
  tool_call_id: opt(text()),
  refusal: opt(text()),
  function_call: opt(z.unknown()),
  audio: opt(z.unknown()),
});

/** `stream_options`. */
export const StreamOptionsSchema = object({
  include_usage: opt(bool()),
  /** vLLM's per-chunk usage; accepted, usage is sent once at the end. */
  continuous_usage_stats: opt(bool()),
  include_obfuscation: opt(bool()),
});

/** `response_format`. */
export const ResponseFormatSchema = object({
  type: oneOf(["text", "json_object", "json_schema"]),
  json_schema: opt(
    object({
      name: opt(text()),
      description: opt(text()),
      schema: opt(anyObject()),
      strict: opt(bool()),
    }),
  ),
});

/** `stop`: one string or a list. */
export const StopSchema = z.union([text(), list(text(), MAX_STOPS, "a list of texts")], {
  error: "text or a list of texts",
});

/** The sampling fields chat and legacy completions share (ranges are the contract's). */
export const samplingFields = {
  model: text(),
  temperature: opt(num()),
  top_p: opt(num()),
  top_k: opt(num()),
  min_p: opt(num()),
  typical_p: opt(num()),
  repetition_penalty: opt(num()),
  frequency_penalty: opt(num()),
  presence_penalty: opt(num()),
  seed: opt(num()),
  stop: opt(StopSchema),
  logit_bias: opt(z.record(z.string(), z.unknown(), { error: "a map of token ids to numbers" })),
  n: opt(int(1, 128)),
  user: opt(text()),
  stream: opt(bool()),
  stream_options: opt(StreamOptionsSchema),
};

/** `POST /v1/chat/completions`. */
export const ChatCompletionRequestSchema = object({
  ...samplingFields,
  messages: list(ChatRequestMessageSchema, REQUEST_LIMITS.maxMessages, "a list of messages"),
  max_tokens: opt(num()),
  max_completion_tokens: opt(num()),
  logprobs: opt(bool()),
  top_logprobs: opt(int(0, REQUEST_LIMITS.maxLogprobs)),
  response_format: opt(ResponseFormatSchema),
  tools: opt(z.array(z.unknown(), { error: "a list" })),
  tool_choice: opt(z.unknown()),
  parallel_tool_calls: opt(bool()),
  functions: opt(z.array(z.unknown(), { error: "a list" })),
  function_call: opt(z.unknown()),
  metadata: opt(z.record(z.string(), z.unknown())),
  store: opt(bool()),
  service_tier: opt(text()),
  reasoning_effort: opt(text()),
  modalities: opt(z.array(text())),
  prompt_cache_key: opt(text()),
  safety_identifier: opt(text()),
});

/** A parsed chat completion request. */
export type ChatCompletionRequest = z.output<typeof ChatCompletionRequestSchema>;
/** One message of a parsed chat request. */
export type ChatRequestMessage = z.output<typeof ChatRequestMessageSchema>;

/** A token's log-probability in chat `logprobs.content`. */
export const ChatTokenLogprobSchema = z.looseObject({
  token: z.string(),
  logprob: z.number(),
  bytes: z.array(z.number()).nullish(),
  top_logprobs: z
    .array(z.looseObject({ token: z.string(), logprob: z.number(), bytes: z.array(z.number()).nullish() }))
    .nullish(),
});

/** `logprobs` of a chat choice or chunk choice. */
export const ChatLogprobsSchema = z.looseObject({
  content: z.array(ChatTokenLogprobSchema).nullish(),
  refusal: z.unknown().optional(),
});

/** `usage`. */
export const UsageSchema = z.looseObject({
  prompt_tokens: z.number(),
  completion_tokens: z.number().optional(),
  total_tokens: z.number().optional(),
});

/** OpenAI's finish reasons (and what servers add: vLLM's `abort`, TGI's `eos_token`). */
export const FinishReasonSchema = z.string().nullish();

/** A non-streamed chat completion. Loose: servers add fields (vLLM's `prompt_logprobs`, `stop_reason`). */
export const ChatCompletionSchema = z.looseObject({
  id: z.string().optional(),
  object: z.string().optional(),
  created: z.number().optional(),
  model: z.string().optional(),
  system_fingerprint: z.string().nullish(),
  choices: z
    .array(
      z.looseObject({
        index: z.number(),
        message: z.looseObject({
          role: z.literal("assistant"),
          content: z.string().nullable(),
          refusal: z.string().nullish(),
        }),
        logprobs: ChatLogprobsSchema.nullish(),
        finish_reason: FinishReasonSchema,
      }),
    )
    .min(1),
  usage: UsageSchema.nullish(),
});

/** A chat completion as the server writes it. */
export type ChatCompletion = z.input<typeof ChatCompletionSchema>;

/** One `chat.completion.chunk` of a stream. */
export const ChatCompletionChunkSchema = z.looseObject({
  id: z.string().optional(),
  object: z.string().optional(),
  created: z.number().optional(),
  model: z.string().optional(),
  system_fingerprint: z.string().nullish(),
  choices: z.array(
    z.looseObject({
      index: z.number(),
      delta: z.looseObject({
        role: z.string().nullish(),
        content: z.string().nullish(),
        refusal: z.string().nullish(),
      }),
      logprobs: ChatLogprobsSchema.nullish(),
      finish_reason: FinishReasonSchema,
    }),
  ),
  usage: UsageSchema.nullish(),
});

/** A chat stream chunk as the server writes it. */
export type ChatCompletionChunk = z.input<typeof ChatCompletionChunkSchema>;
