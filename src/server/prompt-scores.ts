/**
 * Log-probabilities of a prompt's own tokens (`/v1/completions` with `echo`), the numbers
 * lm-evaluation-harness sums to score a continuation. The first token has none (nothing precedes it).
 * Without alternatives (`logprobs: 0`) they come from the engine's `score()`; with alternatives from
 * `logits()`, which holds a vocabulary-sized row per position — bounded by a byte budget.
 */
import type { AtlasModel } from "../api/index.js";
import { AtlasError, validateTokens } from "../core/index.js";
import { logSumExp, topLogprobs } from "../engine/log-softmax.js";
import type { PromptScoreRequest, PromptScores, PromptTokenScore } from "./backend.js";
import { tokenLogprob } from "./local-generation.js";

/** Default budget of one echo request's logits: 1 GiB (1024 positions of Gemma's 256k vocabulary). */
export const ECHO_LOGITS_BUDGET_BYTES = 1024 ** 3;

/** Scores the prompt of `request` on `model`. */
export async function scorePromptTokens(
  model: AtlasModel,
  request: PromptScoreRequest,
  signal: AbortSignal,
  budgetBytes = ECHO_LOGITS_BUDGET_BYTES,
): Promise<PromptScores> {
  const prompt = request.prompt;
  // Ids are checked before anything turns them into text.
  const tokens =
    prompt.kind === "tokens"
      ? validateTokens(prompt.tokens, model.info.vocabSize, "prompt")
      : model.promptTokens(prompt.text);
  const context = model.info.contextSize;
  if (tokens.length > context)
    throw new AtlasError(
      "CONTEXT_OVERFLOW",
      `the prompt is ${tokens.length} tokens but the context holds ${context}`,
      {
        hint: "shorten the prompt, or start the server with a larger --ctx-size",
        details: { field: "prompt", limit: context, actual: tokens.length },
      },
    );
  const { bos, bosText } = model.info.tokens;
  // A BOS the tokenizer added (not written in the text) is listed but has no text in the echo.
  const addedBos = prompt.kind === "text" && tokens[0] === bos && !prompt.text.startsWith(bosText);
  const scores: PromptTokenScore[] = tokens.map((id) => ({
    id,
    token: model.detokenize([id], { special: true }),
    logprob: null,
    top: null,
  }));
  if (tokens.length > 1 && request.top !== undefined) {
    if (request.top === 0) {
      const [score] = await model.engineModel.score([tokens[0]!], [tokens.slice(1)], { signal });
      score!.tokenLogprobs.forEach((lp, i) => (scores[i + 1]!.logprob = lp));
    } else {
      const bytes = tokens.length * model.info.vocabSize * 4;
      if (bytes > budgetBytes)
        throw new AtlasError(
          "BAD_ARGUMENT",
          `echo with logprobs on ${tokens.length} prompt tokens needs ${bytes} bytes of logits; this server allows ${budgetBytes}`,
          {
            hint: "send logprobs: 0 (token log-probabilities without alternatives), or a shorter prompt",
            details: { field: "logprobs", limit: budgetBytes, actual: bytes },
          },
        );
      const logits = await model.engineModel.logits(tokens, { signal });
      for (let i = 1; i < tokens.length; i++) {
        const row = logits[i - 1]!;
        const lse = logSumExp(row);
        const token = tokens[i]!;
        scores[i]!.logprob = row[token]! - lse;
        scores[i]!.top = topLogprobs(row, request.top, lse).map((t) =>
          tokenLogprob(model, t.token, t.logprob),
        );
      }
    }
  }
  const { text, offsets } = echoText(model, tokens, addedBos);
  return { text, tokens: scores, offsets };
}

/**
 * The text of prompt tokens and where each token starts in it. A character split over byte tokens (rare
 * Arabic letters, emoji) has no text per token: such runs are decoded together and each of their tokens
 * points at the start of the run.
 */
export function echoText(
  model: AtlasModel,
  tokens: readonly number[],
  skipFirst: boolean,
): { text: string; offsets: number[] } {
  const offsets: number[] = [];
  let text = "";
  let run: number[] = [];
  let runStart = 0;
  const flush = (): void => {
    if (run.length > 0) text += model.detokenize(run, { special: true });
    run = [];
  };
  tokens.forEach((id, i) => {
    if (i === 0 && skipFirst) {
      offsets.push(0);
      return;
    }
    const piece = model.detokenize([id], { special: true });
    if (piece.includes("\uFFFD")) {
      if (run.length === 0) runStart = text.length;
      run.push(id);
      offsets.push(runStart);
      return;
    }
    flush();
    offsets.push(text.length);
    text += piece;
  });
  flush();
  return { text, offsets };
}
