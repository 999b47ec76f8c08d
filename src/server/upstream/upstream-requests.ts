/**
 * Backend requests → the OpenAI JSON sent upstream (pure mappers), and upstream chunks back to deltas.
 * Conversations go to `/chat/completions` (the upstream applies the model's chat template); text and
 * token prompts to `/completions`. Contract options map to OpenAI's names plus the vLLM extensions
 * (`top_k`, `min_p`, `repetition_penalty`) only when the client set them.
 */
import { AtlasError } from "../../core/index.js";
import { GEMMA2_CHAT_TEMPLATE, prepareMessages } from "../../templates/index.js";
import { OPENAI_OPTION_NAMES } from "../openai/requests.js";
import type {
  GenerationDelta,
  GenerationRequest,
  OutputFormat,
  TokenLogprob,
  TokenLogprobs,
} from "../backend.js";

function responseFormat(format: OutputFormat | undefined): Record<string, unknown> | undefined {
  if (format === undefined) return undefined;
  if (format.kind === "json") return { type: "json_object" };
  return {
    type: "json_schema",
    json_schema: { name: format.name ?? "output", schema: format.schema, strict: true },
  };
}

/** The upstream path and body for a generation. */
export function upstreamGenerationBody(
  request: GenerationRequest,
  upstreamModel: string,
): { path: "/chat/completions" | "/completions"; body: Record<string, unknown> } {
  const input = request.input;
  if (input.kind !== "tokens" && input.prefix !== undefined && input.prefix.length > 0)
    throw new AtlasError(
      "BAD_ARGUMENT",
      "context (token ids of an earlier reply) cannot be sent to an upstream server",
      {
        hint: "send the conversation to /api/chat instead",
        details: { field: "context" },
      },
    );
  const body: Record<string, unknown> = {
    model: upstreamModel,
    stream: true,
    stream_options: { include_usage: true },
  };
  for (const [field, name] of Object.entries(OPENAI_OPTION_NAMES)) {
    const value = (request.options as Record<string, unknown>)[field];
    if (value !== undefined) body[name] = value;
  }
  const format = responseFormat(request.format);
  if (format !== undefined) body.response_format = format;
  const top = request.options.logprobs;
  if (input.kind === "messages") {
    // Atlas-Chat's (Gemma's) template refuses a system role: fold it into the first user turn, as we
    // do locally, so the upstream's copy of the template accepts the conversation.
    body.messages = prepareMessages(GEMMA2_CHAT_TEMPLATE, input.messages);
    if (top !== undefined) Object.assign(body, { logprobs: true, top_logprobs: top });
    return { path: "/chat/completions", body };
  }
  body.prompt = input.kind === "text" ? input.text : input.tokens;
  if (top !== undefined) body.logprobs = top;
  return { path: "/completions", body };
}

function bytesOf(token: string): number[] {
  return [...Buffer.from(token, "utf8")];
}

/** A chunk's choice: chat (`delta`, `logprobs.content`) or legacy (`text`, `logprobs.tokens`). */
export interface UpstreamChoice {
  index: number;
  finish_reason?: string | null | undefined;
  delta?: { content?: string | null | undefined } | undefined;
  text?: string | undefined;
  logprobs?: unknown;
}

interface ChatLogprobEntry {
  token: string;
  logprob: number;
  bytes?: number[] | null | undefined;
  top_logprobs?: { token: string; logprob: number; bytes?: number[] | null | undefined }[] | null | undefined;
}

interface LegacyLogprobEntry {
  tokens: string[];
  token_logprobs: (number | null)[];
  top_logprobs?: (Record<string, number> | null)[] | null | undefined;
}

/** A chat chunk's or legacy chunk's choice → delta (with log-probabilities when present). */
export function upstreamDelta(choice: UpstreamChoice): GenerationDelta {
  const text = typeof choice.delta?.content === "string" ? choice.delta.content : (choice.text ?? "");
  const logprobs = choice.logprobs as
    ({ content?: ChatLogprobEntry[] | null } & Partial<LegacyLogprobEntry>) | null | undefined;
  if (logprobs === null || logprobs === undefined) return { text };
  // Chat: {content: [{token, logprob, bytes, top_logprobs}]}; legacy: {tokens, token_logprobs, top_logprobs}.
  if (Array.isArray(logprobs.content)) {
    const entry = logprobs.content[0];
    if (entry === undefined) return { text };
    const lp: TokenLogprobs = {
      token: entry.token,
      logprob: entry.logprob,
      bytes: entry.bytes ?? bytesOf(entry.token),
      top: (entry.top_logprobs ?? []).map((t): TokenLogprob => ({
        token: t.token,
        logprob: t.logprob,
        bytes: t.bytes ?? bytesOf(t.token),
      })),
    };
    return { text, logprobs: lp };
  }
  const token = logprobs.tokens?.[0];
  const value = logprobs.token_logprobs?.[0];
  if (token === undefined || value === undefined || value === null) return { text };
  const top = Object.entries(logprobs.top_logprobs?.[0] ?? {}).map(([t, logprob]) => ({
    token: t,
    logprob,
    bytes: bytesOf(t),
  }));
  return { text, logprobs: { token, logprob: value, bytes: bytesOf(token), top } };
}
