/**
 * chrF / chrF++ exactly as sacreBLEU 2.x computes them (`sacrebleu.corpus_chrf`, `CHRF.sentence_score`):
 * character n-grams over code points with whitespace removed, optional word n-grams (chrF++), per order
 * `[hyp, ref, match]` statistics summed over the corpus, the best reference per segment, and the default
 * score that averages precision and recall over the orders present before taking F-beta.
 */
import { checkReferenceStreams } from "./bleu.js";
import { countKeys, pySplit } from "./python-text.js";

/** Options of {@link corpusChrf}; every default is sacreBLEU's. */
export interface ChrfOptions {
  /** Character n-gram order. Default 6. */
  charOrder?: number;
  /** Word n-gram order (2 = chrF++). Default 0. */
  wordOrder?: number;
  /** Default 2. */
  beta?: number;
  /** Default false. */
  lowercase?: boolean;
  /** Keep whitespace in character n-grams. Default false. */
  whitespace?: boolean;
  /** chrF++.py / NLTK-style per-order F with epsilon floors. Default false. */
  epsSmoothing?: boolean;
}

/** A chrF score and its summed statistics (`[hyp, ref, match]` per order, chars first). */
export interface ChrfScore {
  /** 0–100. */
  score: number;
  statistics: number[];
  charOrder: number;
  wordOrder: number;
  beta: number;
}

const EPS = 1e-16;
const PUNCTUATION = new Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");

function charNgrams(text: string, n: number, whitespace: boolean): Map<string, number> {
  const chars = Array.from(whitespace ? text : pySplit(text).join(""));
  const keys: string[] = [];
  for (let i = 0; i + n <= chars.length; i++) keys.push(chars.slice(i, i + n).join(""));
  return countKeys(keys);
}

/** chrF++'s word tokens: one trailing (else leading) ASCII punctuation mark split off words longer than 1. */
function punctuationSplit(text: string): string[] {
  const out: string[] = [];
  for (const word of pySplit(text)) {
    const chars = Array.from(word);
    if (chars.length === 1) out.push(word);
    else if (PUNCTUATION.has(chars.at(-1)!)) out.push(chars.slice(0, -1).join(""), chars.at(-1)!);
    else if (PUNCTUATION.has(chars[0]!)) out.push(chars[0]!, chars.slice(1).join(""));
    else out.push(word);
  }
  return out;
}

function wordNgrams(tokens: readonly string[], n: number): Map<string, number> {
  const keys: string[] = [];
  for (let i = 0; i + n <= tokens.length; i++) keys.push(tokens.slice(i, i + n).join(" "));
  return countKeys(keys);
}

function allNgrams(text: string, options: Required<ChrfOptions>): Map<string, number>[] {
  const out: Map<string, number>[] = [];
  for (let n = 1; n <= options.charOrder; n++) out.push(charNgrams(text, n, options.whitespace));
  if (options.wordOrder > 0) {
    const tokens = punctuationSplit(text);
    for (let n = 1; n <= options.wordOrder; n++) out.push(wordNgrams(tokens, n));
  }
  return out;
}

function matchStatistics(hyp: Map<string, number>, ref: Map<string, number>): [number, number, number] {
  let hypCount = 0;
  let matches = 0;
  for (const [key, count] of hyp) {
    hypCount += count;
    const refCount = ref.get(key);
    if (refCount !== undefined) matches += Math.min(count, refCount);
  }
  let refCount = 0;
  for (const count of ref.values()) refCount += count;
  // An order the reference has no n-grams of does not count the hypothesis's either.
  return [ref.size > 0 ? hypCount : 0, refCount, matches];
}

/** The chrF score of summed statistics (sacreBLEU's `CHRF._compute_f_score`). */
export function chrfFromStatistics(statistics: readonly number[], options: ChrfOptions = {}): number {
  const o = withDefaults(options);
  const order = o.charOrder + o.wordOrder;
  const factor = o.beta ** 2;
  let smoothed = 0;
  let avgPrecision = 0;
  let avgRecall = 0;
  let effectiveOrder = 0;
  for (let i = 0; i < order; i++) {
    const nHyp = statistics[3 * i] ?? 0;
    const nRef = statistics[3 * i + 1] ?? 0;
    const nMatch = statistics[3 * i + 2] ?? 0;
    const precision = nHyp > 0 ? nMatch / nHyp : EPS;
    const recall = nRef > 0 ? nMatch / nRef : EPS;
    const denominator = factor * precision + recall;
    smoothed += denominator > 0 ? ((1 + factor) * precision * recall) / denominator : EPS;
    if (nHyp > 0 && nRef > 0) {
      avgPrecision += precision;
      avgRecall += recall;
      effectiveOrder++;
    }
  }
  if (o.epsSmoothing) return (100 * smoothed) / order;
  if (effectiveOrder === 0) return 0;
  avgPrecision /= effectiveOrder;
  avgRecall /= effectiveOrder;
  if (avgPrecision + avgRecall === 0) return 0;
  return (100 * (1 + factor) * avgPrecision * avgRecall) / (factor * avgPrecision + avgRecall);
}

function withDefaults(options: ChrfOptions): Required<ChrfOptions> {
  return {
    charOrder: options.charOrder ?? 6,
    wordOrder: options.wordOrder ?? 0,
    beta: options.beta ?? 2,
    lowercase: options.lowercase ?? false,
    whitespace: options.whitespace ?? false,
    epsSmoothing: options.epsSmoothing ?? false,
  };
}

/**
 * Corpus chrF. `references` are reference STREAMS aligned with `hypotheses`, as in sacreBLEU. For each
 * segment the reference with the best sentence-level score is kept (the first on ties).
 * @example corpusChrf(["the cat"], [["the cat sat"]]).score
 */
export function corpusChrf(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  options: ChrfOptions = {},
): ChrfScore {
  checkReferenceStreams(hypotheses, references);
  const o = withDefaults(options);
  const order = o.charOrder + o.wordOrder;
  const totals = new Array<number>(3 * order).fill(0);
  const prepare = (text: string): string => (o.lowercase ? text.toLowerCase() : text);
  hypotheses.forEach((hypothesis, i) => {
    const hyp = allNgrams(prepare(hypothesis), o);
    let best: number[] = [];
    let bestScore = -1;
    for (const stream of references) {
      const ref = allNgrams(prepare(stream[i]!), o);
      const stats = hyp.flatMap((h, k) => matchStatistics(h, ref[k]!));
      const score = chrfFromStatistics(stats, o);
      if (score > bestScore) {
        bestScore = score;
        best = stats;
      }
    }
    best.forEach((value, k) => (totals[k] = totals[k]! + value));
  });
  return {
    score: chrfFromStatistics(totals, o),
    statistics: totals,
    charOrder: o.charOrder,
    wordOrder: o.wordOrder,
    beta: o.beta,
  };
}

/** Sentence chrF of one hypothesis against its references. */
export function sentenceChrf(
  hypothesis: string,
  references: readonly string[],
  options: ChrfOptions = {},
): ChrfScore {
  return corpusChrf(
    [hypothesis],
    references.map((r) => [r]),
    options,
  );
}

/** sacreBLEU's chrF signature (chrF++ is `chrF2++`), e.g. `chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0`. */
export function chrfSignature(nrefs: number, options: ChrfOptions = {}): string {
  const o = withDefaults(options);
  const name = `chrF${o.beta}${"+".repeat(o.wordOrder)}`;
  return [
    name,
    `nrefs:${nrefs}`,
    `case:${o.lowercase ? "lc" : "mixed"}`,
    `eff:${o.epsSmoothing ? "no" : "yes"}`,
    `nc:${o.charOrder}`,
    `nw:${o.wordOrder}`,
    `space:${o.whitespace ? "yes" : "no"}`,
    "version:2.6.0",
  ].join("|");
}
