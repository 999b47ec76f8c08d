/**
 * lm-evaluation-harness's multiple-choice metrics (0.4.x `process_results` for `multiple_choice`):
 * `acc` = argmax of the log-likelihoods is the gold; `acc_norm` = argmax of log-likelihood divided by
 * the choice's length in Unicode CODE POINTS (Python `len`, without the target delimiter) is the gold;
 * `exact_match` = the gold continuation is the greedy one. Ties go to the first choice (numpy argmax).
 */
import { pyLen } from "./python-text.js";

/** One choice's score as the model returns it. */
export interface ChoiceScore {
  logprob: number;
  isGreedy: boolean;
}

/** Per-item metric values (1 or 0) and the predictions they came from. */
export interface MultipleChoiceOutcome {
  acc: number;
  acc_norm: number;
  exact_match: number;
  /** Index of the best choice by log-likelihood. */
  prediction: number;
  /** Index of the best choice by length-normalised log-likelihood. */
  predictionNorm: number;
}

/** Index of the largest value; the first one on ties (numpy's argmax). */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Scores one multiple-choice item. `gold` is the index of the correct choice, or several indices (any
 * counts); an index outside the choices counts as wrong, as lm-eval's -100.
 */
export function scoreMultipleChoice(
  choices: readonly string[],
  scores: readonly ChoiceScore[],
  gold: number | readonly number[],
): MultipleChoiceOutcome {
  const lls = scores.map((s) => s.logprob);
  const prediction = argmax(lls);
  const predictionNorm = argmax(lls.map((ll, i) => ll / pyLen(choices[i]!)));
  const golds = typeof gold === "number" ? [gold] : gold;
  const valid = golds.filter((g) => Number.isInteger(g) && g >= 0 && g < choices.length);
  const hit = (p: number): number => (valid.includes(p) ? 1 : 0);
  return {
    acc: hit(prediction),
    acc_norm: hit(predictionNorm),
    exact_match: valid.some((g) => scores[g]?.isGreedy === true) ? 1 : 0,
    prediction,
    predictionNorm,
  };
}

/** Mean of the values (NaN when empty). */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** lm-eval's `mean_stderr`: sample standard deviation (n − 1) over √n; NaN below two values. */
export function meanStderr(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const m = mean(values);
  const variance = values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1);
  return Math.sqrt(variance / values.length);
}
