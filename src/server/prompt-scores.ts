/**
 * Log-probabilities of a prompt's own tokens (`/v1/completions` with `echo`), the numbers
 * lm-evaluation-harness sums to score a continuation. The first token has none (nothing precedes it).
 * They come from the engine's `score()` (the first token as context, the rest as one continuation), with
 * the top alternatives per position when asked (`topLogprobs`), so no vocabulary-sized rows are kept.
 */
import type { AtlasModel } from "../api/index.js";
import { AtlasError, validateTokens } from "../core/index.js";
import type { PromptScoreRequest, PromptScores, PromptTokenScore } from "./backend.js";
import { tokenLogprob } from "./local-generation.js";

/** Scores the prompt of `request` on `model`. */
export async function scorePromptTokens(
  model: AtlasModel,
  request: PromptScoreRequest,
  signal: AbortSignal,
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
    const [score] = await model.engineModel.score([tokens[0]!], [tokens.slice(1)], {
      signal,
      ...(request.top > 0 ? { topLogprobs: request.top } : {}),
    });
    score!.tokenLogprobs.forEach((lp, i) => {
      scores[i + 1]!.logprob = lp;
      const top = score!.topLogprobs?.[i];
      if (top !== undefined) scores[i + 1]!.top = top.map((t) => tokenLogprob(model, t.token, t.logprob));
    });
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
