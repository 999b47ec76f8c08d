/**
 * Ollama's `/api/chat` and `/api/generate` request bodies → backend generation requests (pure mappers).
 * Both accept `model` or the older `name`; an empty conversation / prompt only loads the model, and with
 * `keep_alive: 0` unloads it.
 */
import type { AtlasError } from "../../core/index.js";
import type { GenerationRequest, OutputFormat, PromptInput } from "../backend.js";
import { conversationFrom, wireMessageObject, type WireMessage } from "../conversation.js";
import {
  badField,
  checkKnownFields,
  optionalBoolean,
  optionalInteger,
  optionalObject,
  optionalString,
  typeName,
  type JsonObject,
} from "../json-body.js";
import type { JsonSchema } from "../json-schema-to-gbnf.js";
import { checkModelName } from "../model-names.js";
import { renderOllamaTemplate } from "./go-template.js";
import { parseKeepAlive } from "./keep-alive.js";
import { mapOllamaOptions } from "./options.js";

/** What a chat/generate body asks for. `request` is undefined for a load/unload-only call. */
export interface OllamaGenerateCall {
  /** The name as the client sent it (echoed back in `model`). */
  model: string;
  stream: boolean;
  keepAliveMs: number | undefined;
  request: GenerationRequest | undefined;
  /** Ollama's `logprobs: true`: each chunk carries its token's log-probability. */
  logprobs: boolean;
}

const COMMON = ["model", "name", "stream", "format", "keep_alive", "options", "think", "truncate", "shift"];
const CHAT_FIELDS = [...COMMON, "messages", "tools", "logprobs", "top_logprobs"];
const GENERATE_FIELDS = [
  ...COMMON,
  "prompt",
  "suffix",
  "system",
  "template",
  "context",
  "raw",
  "images",
  "logprobs",
  "top_logprobs",
];
const MESSAGE_FIELDS = ["role", "content", "images", "thinking", "tool_calls", "tool_name", "tool_call_id"];

function textOnly(field: string): AtlasError {
  return badField(
    field,
    `${field}: Atlas-Chat is a text-only model and cannot read images`,
    "send text only",
  );
}

/** The model name: `model`, else the older `name`. */
export function modelField(body: JsonObject): string {
  return checkModelName(
    body.model ?? body.name,
    body.model === undefined && body.name !== undefined ? "name" : "model",
  );
}

/** `format`: "json", a JSON schema object, or nothing. */
export function parseFormat(value: unknown): OutputFormat | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (value === "json") return { kind: "json" };
  if (typeof value === "object" && !Array.isArray(value))
    return { kind: "schema", schema: value as JsonSchema };
  throw badField(
    "format",
    `invalid format: ${JSON.stringify(value).slice(0, 60)}; expected "json" or a valid JSON Schema object`,
  );
}

function commonChecks(body: JsonObject): void {
  const think = body.think;
  if (think !== undefined && think !== null && think !== false)
    throw badField("think", `"${String(body.model ?? body.name)}" does not support thinking`);
  if (optionalBoolean(body, "truncate") === true)
    throw badField(
      "truncate",
      "truncate is not supported: a prompt longer than the context is refused, never cut",
    );
  if (optionalBoolean(body, "shift") === true)
    throw badField("shift", "shift is not supported: a reply stops when the context is full");
}

function logprobFields(body: JsonObject): { logprobs: boolean; top: number | undefined } {
  const logprobs = optionalBoolean(body, "logprobs") === true;
  const top = optionalInteger(body, "top_logprobs", 0, 20);
  if (top !== undefined && top > 0 && !logprobs)
    throw badField("top_logprobs", "top_logprobs needs logprobs: true");
  return { logprobs, top };
}

function baseRequest(
  body: JsonObject,
  model: string,
  input: PromptInput,
  keepAliveMs: number | undefined,
  lp: { logprobs: boolean; top: number | undefined },
): GenerationRequest {
  const mapped = mapOllamaOptions(optionalObject(body, "options"));
  const options = { ...mapped.options };
  if (lp.logprobs) options.logprobs = lp.top ?? 0;
  return {
    model,
    input,
    options,
    format: parseFormat(body.format),
    keepAliveMs,
    contextLimit: mapped.contextLimit,
    repeatLastNWholeContext: mapped.repeatLastNWholeContext,
  };
}

function wireMessages(value: unknown): WireMessage[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badField("messages", `messages must be a list, got ${typeName(value)}`);
  return value.map((item: unknown, i) => {
    const at = `messages[${i}]`;
    const m = wireMessageObject(item, i, MESSAGE_FIELDS);
    if (Array.isArray(m.images) && m.images.length > 0) throw textOnly(`${at}.images`);
    const content = m.content ?? "";
    if (typeof content !== "string")
      throw badField(`${at}.content`, `${at}.content must be text, got ${typeName(content)}`);
    return { role: m.role.toLowerCase(), content };
  });
}

/**
 * `/api/chat` body → call.
 * @throws AtlasError BAD_ARGUMENT naming the field
 */
export function parseChatBody(body: JsonObject): OllamaGenerateCall {
  checkKnownFields(body, CHAT_FIELDS, "chat request");
  const model = modelField(body);
  commonChecks(body);
  if (Array.isArray(body.tools) && body.tools.length > 0)
    throw badField("tools", "tools are not supported: Atlas-Chat has no tool calling");
  const stream = optionalBoolean(body, "stream") ?? true;
  const keepAliveMs = parseKeepAlive(body.keep_alive);
  const lp = logprobFields(body);
  const messages = conversationFrom(wireMessages(body.messages), { messages: "messages" });
  if (messages.length === 0) return { model, stream, keepAliveMs, request: undefined, logprobs: false };
  const request = baseRequest(body, model, { kind: "messages", messages }, keepAliveMs, lp);
  return { model, stream, keepAliveMs, request, logprobs: lp.logprobs };
}

function contextTokens(value: unknown): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((t) => typeof t === "number" && Number.isInteger(t) && t >= 0))
    throw badField("context", "context must be a list of token ids from an earlier response");
  return value as number[];
}

/**
 * `/api/generate` body → call. Without `raw`, the prompt (and `system`) go through the model's chat
 * template — or through `template` when given (Ollama's Go template syntax, the common subset).
 * @throws AtlasError BAD_ARGUMENT naming the field
 */
export function parseGenerateBody(body: JsonObject): OllamaGenerateCall {
  checkKnownFields(body, GENERATE_FIELDS, "generate request");
  const model = modelField(body);
  commonChecks(body);
  if (Array.isArray(body.images) && body.images.length > 0) throw textOnly("images");
  const stream = optionalBoolean(body, "stream") ?? true;
  const keepAliveMs = parseKeepAlive(body.keep_alive);
  const lp = logprobFields(body);
  const prompt = optionalString(body, "prompt") ?? "";
  const system = optionalString(body, "system");
  const template = optionalString(body, "template");
  const suffix = optionalString(body, "suffix");
  const raw = optionalBoolean(body, "raw") === true;
  const context = contextTokens(body.context);
  if (suffix !== undefined && suffix !== "")
    throw badField(
      "suffix",
      "suffix (fill-in-the-middle) is not supported: Atlas-Chat has no infill template",
    );
  if (raw && (template !== undefined || system !== undefined || context !== undefined))
    throw badField("raw", "raw mode does not support template, system, or context");
  if (prompt === "" && context === undefined)
    return { model, stream, keepAliveMs, request: undefined, logprobs: false };
  let input: PromptInput;
  if (raw) input = { kind: "text", text: prompt };
  else if (template !== undefined)
    input = { kind: "text", text: renderOllamaTemplate(template, { system: system ?? "", prompt }) };
  else {
    const messages = conversationFrom(
      [
        ...(system === undefined || system === "" ? [] : [{ role: "system", content: system }]),
        { role: "user", content: prompt },
      ],
      { messages: "prompt" },
    );
    input = { kind: "messages", messages };
  }
  if (context !== undefined) input.prefix = context;
  const request = baseRequest(body, model, input, keepAliveMs, lp);
  return { model, stream, keepAliveMs, request, logprobs: lp.logprobs };
}
