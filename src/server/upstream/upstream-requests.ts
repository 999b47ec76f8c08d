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

/** A chat chunk's or legacy chunk's choice → delta (with log-probabilities when present). */
export function upstreamDelta(choice: Record<string, unknown>): GenerationDelta {
  const delta = choice.delta as { content?: unknown } | undefined;
  const text =
    typeof delta?.content === "string" ? delta.content : typeof choice.text === "string" ? choice.text : "";
  const logprobs = choice.logprobs as Record<string, unknown> | null | undefined;
  if (logprobs === null || logprobs === undefined) return { text };
  // Chat: {content: [{token, logprob, bytes, top_logprobs}]}; legacy: {tokens, token_logprobs, top_logprobs}.
  if (Array.isArray(logprobs.content)) {
    const entry = logprobs.content[0] as
      { token: string; logprob: number; bytes?: number[]; top_logprobs?: unknown[] } | undefined;
    if (entry === undefined) return { text };
    const top = (entry.top_logprobs ?? []) as { token: string; logprob: number; bytes?: number[] }[];
    const lp: TokenLogprobs = {
      token: entry.token,
      logprob: entry.logprob,
      bytes: entry.bytes ?? bytesOf(entry.token),
      top: top.map((t): TokenLogprob => ({
        token: t.token,
        logprob: t.logprob,
        bytes: t.bytes ?? bytesOf(t.token),
      })),
    };
    return { text, logprobs: lp };
  }
  const tokens = logprobs.tokens as string[] | undefined;
  const values = logprobs.token_logprobs as number[] | undefined;
  const tops = logprobs.top_logprobs as (Record<string, number> | null)[] | undefined;
  if (tokens?.[0] === undefined || values?.[0] === undefined) return { text };
  const top = Object.entries(tops?.[0] ?? {}).map(([token, logprob]) => ({
    token,
    logprob,
    bytes: bytesOf(token),
  }));
  return { text, logprobs: { token: tokens[0], logprob: values[0], bytes: bytesOf(tokens[0]), top } };
}
