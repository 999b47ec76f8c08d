/**
 * OpenAI's `/v1/chat/completions` and `/v1/completions` request bodies → backend requests (pure mappers).
 * Defaults follow OpenAI, not llama.cpp: temperature 1 and top_p 1 when absent (as Ollama's OpenAI layer
 * does), `max_tokens` 16 for legacy completions. `n`/`best_of` other than 1 are refused.
 */
import { validateGenerateOptions, type GenerateOptions } from "../../core/index.js";
import type { GenerationRequest, OutputFormat } from "../backend.js";
import { conversationFrom, wireMessageObject, type WireMessage } from "../conversation.js";
import {
  badField,
  checkKnownFields,
  optionalBoolean,
  optionalInteger,
  optionalNumber,
  optionalObject,
  stringList,
  typeName,
  type JsonObject,
} from "../json-body.js";
import type { JsonSchema } from "../json-schema-to-gbnf.js";
import { checkModelName } from "../model-names.js";

/** Contract generation option → OpenAI's parameter (with vLLM's `top_k`, `min_p`, `repetition_penalty`). */
export const OPENAI_OPTION_NAMES = {
  maxTokens: "max_tokens",
  temperature: "temperature",
  topP: "top_p",
  topK: "top_k",
  minP: "min_p",
  repeatPenalty: "repetition_penalty",
  frequencyPenalty: "frequency_penalty",
  presencePenalty: "presence_penalty",
  seed: "seed",
  logitBias: "logit_bias",
  stop: "stop",
} as const satisfies Partial<Record<keyof GenerateOptions, string>>;

/** Contract field → OpenAI's name (for error messages and `param`). */
export const OPENAI_NAMES: Readonly<Record<string, string>> = {
  ...OPENAI_OPTION_NAMES,
  logprobs: "top_logprobs",
  prompt: "prompt",
  messages: "messages",
  context: "prompt",
  format: "response_format",
};

/** Most prompts one `/v1/completions` request may carry. */
export const MAX_PROMPTS = 1024;

const SAMPLING = [
  "temperature",
  "top_p",
  "top_k",
  "min_p",
  "repetition_penalty",
  "frequency_penalty",
  "presence_penalty",
  "seed",
  "stop",
  "logit_bias",
  "n",
  "user",
  "stream",
  "stream_options",
  "model",
];
const CHAT_FIELDS = [
  ...SAMPLING,
  "messages",
  "max_tokens",
  "max_completion_tokens",
  "logprobs",
  "top_logprobs",
  "response_format",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "metadata",
  "store",
  "service_tier",
];
const COMPLETION_FIELDS = [...SAMPLING, "prompt", "max_tokens", "logprobs", "echo", "suffix", "best_of"];
const MESSAGE_FIELDS = ["role", "content", "name", "tool_calls", "tool_call_id", "refusal", "function_call"];

/** What the streaming options ask for. */
export interface StreamSettings {
  stream: boolean;
  includeUsage: boolean;
}

/** A parsed chat completion request. */
export interface ChatCompletionCall extends StreamSettings {
  model: string;
  request: GenerationRequest;
  logprobs: boolean;
}

/** One prompt of a legacy completion request. */
export type CompletionPrompt = { kind: "text"; text: string } | { kind: "tokens"; tokens: number[] };

/** A parsed legacy completion request. */
export interface CompletionCall extends StreamSettings {
  model: string;
  prompts: CompletionPrompt[];
  /** Generation options shared by every prompt (maxTokens may be 0: echo only). */
  options: Omit<GenerateOptions, "signal" | "grammar">;
  echo: boolean;
  /** `logprobs`: alternatives per token, or undefined for no log-probabilities. */
  logprobs: number | undefined;
}

function streamSettings(body: JsonObject): StreamSettings {
  const stream = optionalBoolean(body, "stream") ?? false;
  const streamOptions = optionalObject(body, "stream_options");
  if (streamOptions !== undefined && !stream)
    throw badField("stream_options", "stream_options is only allowed with stream: true");
  if (streamOptions !== undefined)
    checkKnownFields(streamOptions, ["include_usage", "continuous_usage_stats"], "stream_options");
  return { stream, includeUsage: streamOptions?.include_usage === true };
}

function sampling(
  body: JsonObject,
  maxTokens: number | undefined,
): Omit<GenerateOptions, "signal" | "grammar"> {
  const n = optionalNumber(body, "n");
  if (n !== undefined && n !== 1)
    throw badField("n", "n must be 1: one choice per request", "send several requests instead");
  const best = optionalNumber(body, "best_of");
  if (best !== undefined && best !== 1) throw badField("best_of", "best_of must be 1");
  const raw: Record<string, unknown> = {
    temperature: body.temperature ?? 1,
    topP: body.top_p ?? 1,
    topK: body.top_k ?? undefined,
    minP: body.min_p ?? undefined,
    repeatPenalty: body.repetition_penalty ?? undefined,
    frequencyPenalty: body.frequency_penalty ?? undefined,
    presencePenalty: body.presence_penalty ?? undefined,
    seed: body.seed ?? undefined,
    stop: stringList(body, "stop"),
    logitBias: body.logit_bias ?? undefined,
    maxTokens,
  };
  return validateGenerateOptions(raw, { names: OPENAI_NAMES });
}

function responseFormat(body: JsonObject): OutputFormat | undefined {
  const format = optionalObject(body, "response_format");
  if (format === undefined || format.type === "text") return undefined;
  if (format.type === "json_object") return { kind: "json" };
  if (format.type === "json_schema") {
    const spec = optionalObject(format, "json_schema");
    const schema = spec?.schema;
    if (spec === undefined || schema === undefined || schema === null)
      throw badField("response_format", "response_format.json_schema.schema is required");
    const name = typeof spec.name === "string" ? spec.name : undefined;
    return { kind: "schema", schema: schema as JsonSchema, ...(name === undefined ? {} : { name }) };
  }
  throw badField(
    "response_format",
    `response_format.type must be text, json_object or json_schema, got ${typeName(format.type)}`,
  );
}

function messageText(content: unknown, at: string): string {
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content))
    throw badField(`${at}.content`, `${at}.content must be text or a list of parts`);
  return content
    .map((part: unknown, j) => {
      const p = part as JsonObject | null;
      if (p?.type === "text" && typeof p.text === "string") return p.text;
      if (p?.type === "image_url" || p?.type === "input_audio" || p?.type === "file")
        throw badField(
          `${at}.content[${j}]`,
          `${at}.content[${j}]: Atlas-Chat is a text-only model (${String(p.type)} parts are not supported)`,
        );
      throw badField(`${at}.content[${j}]`, `${at}.content[${j}] must be {"type": "text", "text": "…"}`);
    })
    .join("\n");
}

function wireMessages(value: unknown): WireMessage[] {
  if (!Array.isArray(value)) throw badField("messages", `messages must be a list, got ${typeName(value)}`);
  if (value.length === 0)
    throw badField("messages", "[] is too short - 'messages'", "send at least one message");
  return value.map((item: unknown, i) => {
    const m = wireMessageObject(item, i, MESSAGE_FIELDS);
    const role = m.role === "developer" ? "system" : m.role;
    return { role, content: messageText(m.content, `messages[${i}]`) };
  });
}

/**
 * `/v1/chat/completions` body → call.
 * @throws AtlasError BAD_ARGUMENT naming the field (OpenAI's name)
 */
export function parseChatCompletionBody(body: JsonObject): ChatCompletionCall {
  checkKnownFields(body, CHAT_FIELDS, "chat completion request");
  const model = checkModelName(body.model);
  if (Array.isArray(body.tools) && body.tools.length > 0)
    throw badField("tools", "tools are not supported: Atlas-Chat has no tool calling");
  if (body.tool_choice !== undefined && body.tool_choice !== null && body.tool_choice !== "none")
    throw badField("tool_choice", "tool_choice is not supported: Atlas-Chat has no tool calling");
  const settings = streamSettings(body);
  const maxTokens =
    optionalInteger(body, "max_completion_tokens", 0, Number.MAX_SAFE_INTEGER) ??
    optionalInteger(body, "max_tokens", 0, Number.MAX_SAFE_INTEGER);
  const options = sampling(body, maxTokens);
  const logprobs = optionalBoolean(body, "logprobs") === true;
  const top = optionalInteger(body, "top_logprobs", 0, 20);
  if (top !== undefined && !logprobs) throw badField("top_logprobs", "top_logprobs needs logprobs: true");
  if (logprobs) options.logprobs = top ?? 0;
  const messages = conversationFrom(wireMessages(body.messages), { messages: "messages" });
  return {
    ...settings,
    model,
    logprobs,
    request: { model, input: { kind: "messages", messages }, options, format: responseFormat(body) },
  };
}

function isTokenList(value: unknown): value is number[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((t) => typeof t === "number" && Number.isInteger(t))
  );
}

/** `prompt`: text, a list of texts, token ids, or a list of token-id lists. */
export function parsePrompts(value: unknown): CompletionPrompt[] {
  if (typeof value === "string") return [{ kind: "text", text: value }];
  if (isTokenList(value)) return [{ kind: "tokens", tokens: value }];
  if (Array.isArray(value) && value.length > 0) {
    if (value.length > MAX_PROMPTS)
      throw badField("prompt", `prompt holds ${value.length} prompts; at most ${MAX_PROMPTS} per request`);
    return value.map((p: unknown, i): CompletionPrompt => {
      if (typeof p === "string") return { kind: "text", text: p };
      if (isTokenList(p)) return { kind: "tokens", tokens: p };
      throw badField(`prompt[${i}]`, `prompt[${i}] must be text or a list of token ids, got ${typeName(p)}`);
    });
  }
  throw badField(
    "prompt",
    `prompt must be text, a list of texts, token ids or a list of them, got ${typeName(value)}`,
  );
}

/**
 * `/v1/completions` body → call (lm-evaluation-harness's `local-completions` form included:
 * token-id prompts, `echo` + `logprobs`, `max_tokens: 0`).
 * @throws AtlasError BAD_ARGUMENT naming the field
 */
export function parseCompletionBody(body: JsonObject): CompletionCall {
  checkKnownFields(body, COMPLETION_FIELDS, "completion request");
  const model = checkModelName(body.model);
  const suffix = body.suffix;
  if (suffix !== undefined && suffix !== null && suffix !== "")
    throw badField(
      "suffix",
      "suffix (fill-in-the-middle) is not supported: Atlas-Chat has no infill template",
    );
  const settings = streamSettings(body);
  const options = sampling(body, optionalInteger(body, "max_tokens", 0, Number.MAX_SAFE_INTEGER) ?? 16);
  const logprobs = optionalInteger(body, "logprobs", 0, 20);
  if (logprobs !== undefined) options.logprobs = logprobs;
  return {
    ...settings,
    model,
    prompts: parsePrompts(body.prompt),
    options,
    echo: optionalBoolean(body, "echo") === true,
    logprobs,
  };
}
