/**
 * ROUGE-N, ROUGE-L and ROUGE-Lsum exactly as Google's `rouge_score` computes them with its defaults (what
 * Hugging Face `evaluate`'s "rouge" uses): the default tokenizer lowercases and replaces every character
 * outside [a-z0-9] with a space — so Arabic-script words are DELETED and only Latin letters and ASCII
 * digits count; no stemming; Lsum splits summaries on "\n" and uses the union-LCS with the
 * no-double-counting rule of ROUGE 1.5.5.
 */
import { countKeys } from "./python-text.js";

/** Precision, recall and F1 of one ROUGE type (0–1). */
export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

/** The ROUGE types `evaluate` reports by default. */
export const ROUGE_TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"] as const;
export type RougeType = (typeof ROUGE_TYPES)[number];

/** `rouge_score.tokenize.tokenize(text, stemmer=None)`. */
export function rougeTokenize(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .split(/\s+/)
    .filter((token) => /^[a-z0-9]+$/.test(token));
}

function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

function ngrams(tokens: readonly string[], n: number): Map<string, number> {
  const keys: string[] = [];
  for (let i = 0; i + n <= tokens.length; i++) keys.push(tokens.slice(i, i + n).join(" "));
  return countKeys(keys);
}

function scoreNgrams(target: Map<string, number>, prediction: Map<string, number>): RougeScore {
  let overlap = 0;
  for (const [key, count] of target) overlap += Math.min(count, prediction.get(key) ?? 0);
  const targetCount = [...target.values()].reduce((a, b) => a + b, 0);
  const predictionCount = [...prediction.values()].reduce((a, b) => a + b, 0);
  const precision = overlap / Math.max(predictionCount, 1);
  const recall = overlap / Math.max(targetCount, 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

function lcsTable(ref: readonly string[], can: readonly string[]): number[][] {
  const table = Array.from({ length: ref.length + 1 }, () => new Array<number>(can.length + 1).fill(0));
  for (let i = 1; i <= ref.length; i++)
    for (let j = 1; j <= can.length; j++)
      table[i]![j] =
        ref[i - 1] === can[j - 1]
          ? table[i - 1]![j - 1]! + 1
          : Math.max(table[i - 1]![j]!, table[i]![j - 1]!);
  return table;
}

function scoreLcs(target: readonly string[], prediction: readonly string[]): RougeScore {
  if (target.length === 0 || prediction.length === 0) return { precision: 0, recall: 0, fmeasure: 0 };
  const lcs = lcsTable(target, prediction)[target.length]![prediction.length]!;
  const precision = lcs / prediction.length;
  const recall = lcs / target.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** Indices into `ref` of one LCS with `can` (rouge_score's `_backtrack_norec`). */
function lcsIndices(ref: readonly string[], can: readonly string[]): number[] {
  const table = lcsTable(ref, can);
  const out: number[] = [];
  let i = ref.length;
  let j = can.length;
  while (i > 0 && j > 0) {
    if (ref[i - 1] === can[j - 1]) {
      out.unshift(i - 1);
      i--;
      j--;
    } else if (table[i]![j - 1]! > table[i - 1]![j]!) {
      j--;
    } else {
      i--;
    }
  }
  return out;
}

function summaryLevelLcs(refSentences: string[][], canSentences: string[][]): RougeScore {
  const zero = { precision: 0, recall: 0, fmeasure: 0 };
  if (refSentences.length === 0 || canSentences.length === 0) return zero;
  const m = refSentences.reduce((a, s) => a + s.length, 0);
  const n = canSentences.reduce((a, s) => a + s.length, 0);
  if (m === 0 || n === 0) return zero;
  const refCounts = countKeys(refSentences.flat());
  const canCounts = countKeys(canSentences.flat());
  let hits = 0;
  for (const ref of refSentences) {
    const union = new Set<number>();
    for (const can of canSentences) for (const index of lcsIndices(ref, can)) union.add(index);
    for (const index of [...union].sort((a, b) => a - b)) {
      const token = ref[index]!;
      // Each token counts at most as often as it occurs on both sides (ROUGE 1.5.5).
      if ((canCounts.get(token) ?? 0) > 0 && (refCounts.get(token) ?? 0) > 0) {
        hits++;
        canCounts.set(token, canCounts.get(token)! - 1);
        refCounts.set(token, refCounts.get(token)! - 1);
      }
    }
  }
  const recall = hits / m;
  const precision = hits / n;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/**
 * `RougeScorer(types).score(target, prediction)` for one pair.
 * @example rougeScores("the cat sat", "the cat").rouge1.fmeasure // 0.8
 */
export function rougeScores(
  target: string,
  prediction: string,
  types: readonly RougeType[] = ROUGE_TYPES,
): Record<RougeType, RougeScore> {
  const targetTokens = rougeTokenize(target);
  const predictionTokens = rougeTokenize(prediction);
  const sentences = (text: string): string[][] =>
    text
      .split("\n")
      .filter((s) => s.length > 0)
      .map(rougeTokenize);
  const out = {} as Record<RougeType, RougeScore>;
  for (const type of types) {
    if (type === "rougeL") out[type] = scoreLcs(targetTokens, predictionTokens);
    else if (type === "rougeLsum") out[type] = summaryLevelLcs(sentences(target), sentences(prediction));
    else {
      const n = type === "rouge1" ? 1 : 2;
      out[type] = scoreNgrams(ngrams(targetTokens, n), ngrams(predictionTokens, n));
    }
  }
  return out;
}
