/**
 * Log-likelihood of a continuation from an OpenAI `/v1/completions` answer with `echo: true` and
 * `logprobs`: the prompt is context + continuation; the continuation's tokens are those whose text ends
 * after the context (found with `text_offset`), and its score is the sum of their log-probabilities.
 * Offsets are character positions in the prompt: code points for Python servers (vLLM), possibly UTF-16
 * units for JavaScript ones; the unit is chosen by which one makes the last token end at the prompt's end.
 */
import { AtlasError } from "../../core/index.js";
import type { ChoiceScore } from "../metrics/accuracy.js";
import { pyLen } from "../metrics/python-text.js";

/** The `logprobs` object of a completion choice. */
export interface CompletionLogprobs {
  tokens: string[];
  token_logprobs: (number | null)[];
  top_logprobs?: (Record<string, number> | null)[] | null;
  text_offset: number[];
}

/** Reads a choice's `logprobs`, or undefined when the server did not echo them. */
export function readEchoedLogprobs(value: unknown): CompletionLogprobs | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const v = value as Partial<CompletionLogprobs>;
  if (!Array.isArray(v.tokens) || !Array.isArray(v.token_logprobs) || !Array.isArray(v.text_offset))
    return undefined;
  if (
    v.tokens.length === 0 ||
    v.tokens.length !== v.token_logprobs.length ||
    v.tokens.length !== v.text_offset.length
  )
    return undefined;
  return v as CompletionLogprobs;
}

/** True when offsets count UTF-16 units rather than code points. */
function usesUtf16(prompt: string, lp: CompletionLogprobs): boolean {
  if (pyLen(prompt) === prompt.length) return false;
  const last = lp.tokens.length - 1;
  const endUtf16 = lp.text_offset[last]! + lp.tokens[last]!.length;
  const endCodePoints = lp.text_offset[last]! + pyLen(lp.tokens[last]!);
  return endUtf16 === prompt.length && endCodePoints !== pyLen(prompt);
}

/** Scores the continuation that starts at character `contextEnd` (in UTF-16 units of `prompt`). */
export function continuationScore(prompt: string, contextEnd: number, lp: CompletionLogprobs): ChoiceScore {
  const boundary = usesUtf16(prompt, lp) ? contextEnd : pyLen(prompt.slice(0, contextEnd));
  const promptLength = usesUtf16(prompt, lp) ? prompt.length : pyLen(prompt);
  let logprob = 0;
  let isGreedy = true;
  let count = 0;
  for (let i = 0; i < lp.tokens.length; i++) {
    const start = lp.text_offset[i]!;
    if (start >= promptLength) break;
    const end = i + 1 < lp.tokens.length ? Math.min(lp.text_offset[i + 1]!, promptLength) : promptLength;
    if (end <= boundary) continue;
    const value = lp.token_logprobs[i];
    if (typeof value !== "number")
      throw new AtlasError("UNSUPPORTED", "the server gave no log-probability for a continuation token", {
        details: { field: "echo" },
      });
    logprob += value;
    count++;
    const top = lp.top_logprobs?.[i];
    if (top !== null && top !== undefined) {
      const best = Math.max(...Object.values(top));
      if (value < best - 1e-6) isGreedy = false;
    }
  }
  if (count === 0)
    throw new AtlasError("UNSUPPORTED", "the server's echoed tokens do not cover the continuation", {
      details: { field: "echo" },
    });
  return { logprob, isGreedy };
}
