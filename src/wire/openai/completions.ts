/**
 * OpenAI's legacy `/v1/completions` (the scoring route of lm-evaluation-harness): the request with
 * token-id prompts, `echo`, `logprobs` and vLLM's extras, the response and its stream chunk.
 */
import { z } from "zod";
import { REQUEST_LIMITS } from "../../core/index.js";
import { bool, int, num, object, opt, text } from "../fields.js";
import { FinishReasonSchema, samplingFields, UsageSchema } from "./chat.js";

/** `POST /v1/completions`. `prompt` is checked by the mapper (text, texts, token ids, lists of them). */
export const CompletionRequestSchema = object({
  ...samplingFields,
  prompt: opt(z.unknown()),
  max_tokens: opt(num()),
  logprobs: opt(int(0, REQUEST_LIMITS.maxLogprobs)),
  echo: opt(bool()),
  suffix: opt(text()),
  best_of: opt(int(1, 128)),
  /** vLLM: add BOS to text prompts (default true). */
  add_special_tokens: opt(bool()),
  metadata: opt(z.record(z.string(), z.unknown())),
  store: opt(bool()),
  service_tier: opt(text()),
  prompt_cache_key: opt(text()),
});

/** A parsed legacy completion request. */
export type CompletionRequest = z.output<typeof CompletionRequestSchema>;

/** Legacy `logprobs` of a choice (with `echo`, prompt tokens first; the first prompt token has nulls). */
export const LegacyLogprobsSchema = z.looseObject({
  tokens: z.array(z.string()),
  token_logprobs: z.array(z.number().nullable()),
  top_logprobs: z.array(z.record(z.string(), z.number()).nullable()).nullish(),
  text_offset: z.array(z.number()),
});

/** Legacy logprobs as the server writes them. */
export type LegacyLogprobs = z.input<typeof LegacyLogprobsSchema>;

/** One choice of a legacy completion. */
export const CompletionChoiceSchema = z.looseObject({
  index: z.number(),
  text: z.string(),
  logprobs: LegacyLogprobsSchema.nullish(),
  finish_reason: FinishReasonSchema,
});

/** A legacy completion (and, with one choice per event, its stream chunks). */
export const CompletionSchema = z.looseObject({
  id: z.string().optional(),
  object: z.string().optional(),
  created: z.number().optional(),
  model: z.string().optional(),
  system_fingerprint: z.string().nullish(),
  choices: z.array(CompletionChoiceSchema),
  usage: UsageSchema.nullish(),
});

/** A legacy completion as the server writes it. */
export type Completion = z.input<typeof CompletionSchema>;
/** A parsed legacy completion answer. */
export type CompletionAnswer = z.output<typeof CompletionSchema>;
