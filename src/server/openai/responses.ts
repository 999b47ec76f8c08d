/**
 * Backend results → OpenAI's JSON (pure mappers): chat completions and their stream chunks, legacy
 * completions with `logprobs` (`tokens`, `token_logprobs`, `top_logprobs`, `text_offset`), the model list.
 */
import { randomBytes } from "node:crypto";
import type {
  GenerationSummary,
  ModelListing,
  PromptScores,
  TokenLogprob,
  TokenLogprobs,
} from "../backend.js";

/** `chatcmpl-…` / `cmpl-…` ids. */
export function completionId(prefix: "chatcmpl" | "cmpl"): string {
  return `${prefix}-${randomBytes(12).toString("hex")}`;
}

/** Seconds since the epoch. */
export function unixTime(date = new Date()): number {
  return Math.floor(date.getTime() / 1000);
}

/** OpenAI's `usage`. */
export function usage(promptTokens: number, completionTokens: number): Record<string, number> {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

/** `finish_reason` of a finished generation. */
export function finishReason(summary: GenerationSummary): "stop" | "length" {
  return summary.finishReason === "length" ? "length" : "stop";
}

function entry(t: TokenLogprob): Record<string, unknown> {
  return { token: t.token, logprob: t.logprob, bytes: t.bytes };
}

/** Chat `logprobs.content` entries. */
export function chatLogprobs(list: readonly TokenLogprobs[]): Record<string, unknown> {
  return { content: list.map((t) => ({ ...entry(t), top_logprobs: t.top.map(entry) })), refusal: null };
}

/** The header every chunk of one chat stream shares. */
export interface StreamIdentity {
  id: string;
  created: number;
  model: string;
}

/** The fields every completion object and chunk starts with. */
function header(identity: StreamIdentity, object: string): Record<string, unknown> {
  return {
    id: identity.id,
    object,
    created: identity.created,
    model: identity.model,
    system_fingerprint: "atlas",
  };
}

/** A non-streamed chat completion. */
export function chatCompletion(
  identity: StreamIdentity,
  text: string,
  summary: GenerationSummary,
  logprobs: readonly TokenLogprobs[] | undefined,
): Record<string, unknown> {
  return {
    ...header(identity, "chat.completion"),
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: text, refusal: null },
        logprobs: logprobs === undefined ? null : chatLogprobs(logprobs),
        finish_reason: finishReason(summary),
      },
    ],
    usage: usage(summary.promptTokens, summary.completionTokens),
  };
}

/** One `chat.completion.chunk`. `usage` is `null` on every chunk but the last when usage was asked for. */
export function chatChunk(
  identity: StreamIdentity,
  choice:
    { delta: Record<string, unknown>; finish_reason: string | null; logprobs?: TokenLogprobs[] } | undefined,
  withUsage: Record<string, number> | null | undefined,
): Record<string, unknown> {
  return {
    ...header(identity, "chat.completion.chunk"),
    choices:
      choice === undefined
        ? []
        : [
            {
              index: 0,
              delta: choice.delta,
              logprobs: choice.logprobs === undefined ? null : chatLogprobs(choice.logprobs),
              finish_reason: choice.finish_reason,
            },
          ],
    ...(withUsage === undefined ? {} : { usage: withUsage }),
  };
}

/** Legacy `logprobs` of one choice: prompt tokens (echo) then generated ones. */
export interface LegacyLogprobs {
  tokens: string[];
  token_logprobs: (number | null)[];
  top_logprobs: (Record<string, number> | null)[];
  text_offset: number[];
}

/** An empty legacy logprobs object. */
export function emptyLegacyLogprobs(): LegacyLogprobs {
  return { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
}

function topMap(top: readonly TokenLogprob[], own?: TokenLogprob): Record<string, number> {
  const map: Record<string, number> = {};
  for (const t of top) if (!(t.token in map)) map[t.token] = t.logprob;
  // The chosen token is listed too (OpenAI and vLLM send up to N+1 entries).
  if (own !== undefined && !(own.token in map)) map[own.token] = own.logprob;
  return map;
}

/** Appends the echoed prompt's tokens (the first has `null`s) starting at text offset `base`. */
export function appendPromptLogprobs(target: LegacyLogprobs, scores: PromptScores, base: number): void {
  scores.tokens.forEach((t, i) => {
    target.tokens.push(t.token);
    target.token_logprobs.push(t.logprob);
    target.top_logprobs.push(
      t.logprob === null || t.top === null
        ? null
        : topMap(t.top, { token: t.token, logprob: t.logprob, bytes: [] }),
    );
    target.text_offset.push(base + scores.offsets[i]!);
  });
}

/** Appends a generated token at text offset `offset`. */
export function appendGeneratedLogprob(target: LegacyLogprobs, t: TokenLogprobs, offset: number): void {
  target.tokens.push(t.token);
  target.token_logprobs.push(t.logprob);
  target.top_logprobs.push(topMap(t.top, t));
  target.text_offset.push(offset);
}

/** One legacy completion choice. */
export function completionChoice(
  index: number,
  text: string,
  finish: "stop" | "length" | null,
  logprobs: LegacyLogprobs | null,
): Record<string, unknown> {
  return { index, text, logprobs, finish_reason: finish };
}

/** A legacy completion (or one stream chunk of it). */
export function completionObject(
  identity: StreamIdentity,
  choices: Record<string, unknown>[],
  withUsage: Record<string, number> | null | undefined,
): Record<string, unknown> {
  return {
    ...header(identity, "text_completion"),
    choices,
    ...(withUsage === undefined ? {} : { usage: withUsage }),
  };
}

/** One entry of `/v1/models`. */
export function modelObject(m: ModelListing): Record<string, unknown> {
  return { id: m.name, object: "model", created: unixTime(m.modifiedAt), owned_by: "atlas" };
}

/** `GET /v1/models`. */
export function modelList(models: readonly ModelListing[]): Record<string, unknown> {
  return { object: "list", data: models.map(modelObject) };
}
