/**
 * Prompt scores (`/v1/completions` with `echo`) from an upstream, checked: a server that ignores `echo`
 * (TGI, llama.cpp's server) answers 200 with no prompt log-probabilities and `prompt_tokens: 0`, which
 * would score every choice of an lm-eval task 0 without a word. Such an answer is refused here with an
 * error that names the upstream and what is missing.
 */
import { AtlasError } from "../../core/index.js";
import type { CompletionAnswer } from "../../wire/index.js";
import type { PromptScoreRequest, PromptScores } from "../backend.js";

/** The error for an upstream that did not echo the prompt's log-probabilities. */
export function ignoredEcho(baseUrl: string, what: string): AtlasError {
  return new AtlasError(
    "UNSUPPORTED",
    `the upstream at ${baseUrl} ignored echo: its /completions answer ${what}, so it cannot score prompts`,
    {
      hint: "prompt scoring (lm-eval log-likelihood tasks, /v1/completions with echo) needs an upstream that echoes prompt log-probabilities, such as vLLM or atlas serve; TGI and llama.cpp's server do not",
      details: { field: "echo" },
    },
  );
}

/**
 * The scores of an upstream's echo answer.
 * @throws AtlasError UNSUPPORTED when the answer does not carry the prompt's tokens and log-probabilities
 */
export function upstreamPromptScores(
  answer: CompletionAnswer,
  request: PromptScoreRequest,
  baseUrl: string,
): PromptScores {
  const choice = answer.choices[0];
  if (choice === undefined) throw ignoredEcho(baseUrl, "has no choices");
  const lp = choice.logprobs;
  if (lp === null || lp === undefined || lp.tokens.length === 0)
    throw ignoredEcho(baseUrl, "has no logprobs for the prompt");
  const n = lp.tokens.length;
  if (lp.token_logprobs.length !== n || lp.text_offset.length !== n)
    throw ignoredEcho(baseUrl, "has logprobs lists of different lengths");
  const promptTokens = answer.usage?.prompt_tokens;
  if (promptTokens !== undefined && (promptTokens === 0 || n < promptTokens))
    throw ignoredEcho(baseUrl, `echoes ${n} tokens of a ${promptTokens}-token prompt`);
  if (request.prompt.kind === "tokens" && n < request.prompt.tokens.length)
    throw ignoredEcho(baseUrl, `echoes ${n} tokens of a ${request.prompt.tokens.length}-token prompt`);
  if (request.top !== undefined && n > 1 && lp.token_logprobs.slice(1).every((v) => v === null))
    throw ignoredEcho(baseUrl, "has no log-probability for any prompt token");
  const tops = lp.top_logprobs ?? [];
  return {
    text: choice.text,
    offsets: lp.text_offset,
    tokens: lp.tokens.map((token, i) => {
      const top = tops[i];
      return {
        id: undefined,
        token,
        logprob: request.top === undefined ? null : (lp.token_logprobs[i] ?? null),
        top:
          request.top === undefined || top === null || top === undefined
            ? null
            : Object.entries(top).map(([t, logprob]) => ({ token: t, logprob, bytes: [...Buffer.from(t)] })),
      };
    }),
  };
}
