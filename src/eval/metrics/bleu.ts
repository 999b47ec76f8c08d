/**
 * Corpus BLEU exactly as sacreBLEU 2.x computes it (`sacrebleu.corpus_bleu` and `BLEU.sentence_score`):
 * per-segment statistics summed over the corpus, multi-reference counts merged by maximum, the closest
 * reference length (ties: the shorter), the `exp` / `floor` / `add-k` / `none` smoothings and the
 * early `break` on an n-gram order with no hypothesis n-grams. Scores are on sacreBLEU's 0–100 scale.
 */
import { AtlasError } from "../../core/index.js";
import { countKeys, pyRstrip, pySplit } from "./python-text.js";
import { bleuTokenizer, type BleuTokenizer } from "./sacrebleu-tokenizers.js";

/** Smoothing methods of sacreBLEU's BLEU. */
export type BleuSmoothing = "exp" | "floor" | "add-k" | "none";

/** Default smoothing values: floor 0.1, add-k 1 (sacreBLEU's `SMOOTH_DEFAULTS`). */
export const BLEU_SMOOTH_DEFAULTS: Readonly<Record<BleuSmoothing, number | undefined>> = {
  exp: undefined,
  floor: 0.1,
  "add-k": 1,
  none: undefined,
};

/** Options of {@link corpusBleu}; every default is sacreBLEU's `corpus_bleu` default. */
export interface BleuOptions {
  /** Default "13a". */
  tokenize?: BleuTokenizer;
  /** Default false. */
  lowercase?: boolean;
  /** Default "exp". */
  smoothMethod?: BleuSmoothing;
  /** Default: {@link BLEU_SMOOTH_DEFAULTS} of the method. */
  smoothValue?: number;
  /** Average only over the orders the corpus has n-grams of (sentence BLEU's default). Default false. */
  effectiveOrder?: boolean;
  /** Default 4. */
  maxNgramOrder?: number;
}

/** Sufficient statistics of BLEU. */
export interface BleuStatistics {
  /** Matched n-grams per order (`counts` in sacreBLEU). */
  correct: number[];
  /** Hypothesis n-grams per order (`totals`). */
  total: number[];
  sysLen: number;
  refLen: number;
}

/** A BLEU score with its statistics, as sacreBLEU's `BLEUScore`. */
export interface BleuScore extends BleuStatistics {
  /** 0–100. */
  score: number;
  /** Per-order precisions, 0–100 (smoothed values where smoothing applied). */
  precisions: number[];
  /** Brevity penalty. */
  bp: number;
  /** sys_len / ref_len. */
  ratio: number;
}

const LOG_OF_ZERO = -9999999999;
const myLog = (x: number): number => (x === 0 ? LOG_OF_ZERO : Math.log(x));

/**
 * BLEU from statistics (sacreBLEU's `BLEU.compute_bleu`). Its own default smoothing is "none", as in
 * sacreBLEU; {@link corpusBleu} passes "exp".
 */
export function computeBleu(
  stats: BleuStatistics,
  options: Pick<BleuOptions, "smoothMethod" | "smoothValue" | "effectiveOrder" | "maxNgramOrder"> = {},
): BleuScore {
  const method = options.smoothMethod ?? "none";
  const smoothValue = options.smoothValue ?? BLEU_SMOOTH_DEFAULTS[method] ?? 0;
  const maxOrder = options.maxNgramOrder ?? 4;
  const correct = [...stats.correct];
  const total = [...stats.total];
  const { sysLen, refLen } = stats;
  const bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(maxOrder).fill(0);
  const result = (score: number): BleuScore => ({
    score,
    correct,
    total,
    precisions,
    bp,
    sysLen,
    refLen,
    ratio: refLen > 0 ? sysLen / refLen : 0,
  });
  if (!correct.some((c) => c !== 0)) return result(0);
  let smoothMteval = 1;
  let effectiveOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (method === "add-k" && n > 1) {
      correct[n - 1] = correct[n - 1]! + smoothValue;
      total[n - 1] = total[n - 1]! + smoothValue;
    }
    const t = total[n - 1] ?? 0;
    const c = correct[n - 1] ?? 0;
    if (t === 0) break;
    if (options.effectiveOrder === true) effectiveOrder = n;
    if (c === 0) {
      if (method === "exp") {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * t);
      } else if (method === "floor") {
        precisions[n - 1] = (100 * smoothValue) / t;
      }
    } else {
      precisions[n - 1] = (100 * c) / t;
    }
  }
  const logSum = precisions.slice(0, effectiveOrder).reduce((sum, p) => sum + myLog(p), 0);
  return result(bp * Math.exp(logSum / effectiveOrder));
}

/** n-grams of orders 1…maxOrder of a whitespace-split line, counted (keys join tokens with " "). */
function wordNgrams(line: string, maxOrder: number): { counts: Map<string, number>; length: number } {
  const tokens = pySplit(line);
  const keys: string[] = [];
  for (let n = 1; n <= maxOrder; n++)
    for (let i = 0; i + n <= tokens.length; i++) keys.push(tokens.slice(i, i + n).join(" "));
  return { counts: countKeys(keys), length: tokens.length };
}

function closestRefLength(hypLen: number, refLens: readonly number[]): number {
  let closestDiff = -1;
  let closestLen = -1;
  for (const refLen of refLens) {
    const diff = Math.abs(hypLen - refLen);
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff;
      closestLen = refLen;
    } else if (diff === closestDiff && refLen < closestLen) {
      closestLen = refLen;
    }
  }
  return closestLen;
}

/** Checks sacreBLEU's reference layout: streams, each with one line per hypothesis. */
export function checkReferenceStreams(
  hypotheses: readonly string[],
  streams: readonly (readonly string[])[],
): void {
  if (streams.length === 0) throw new AtlasError("BAD_ARGUMENT", "at least one reference stream is needed");
  streams.forEach((stream, k) => {
    if (stream.length !== hypotheses.length)
      throw new AtlasError(
        "BAD_ARGUMENT",
        `reference stream ${k + 1} has ${stream.length} lines but there are ${hypotheses.length} hypotheses`,
        { hint: "give one reference per hypothesis in every stream, in the same order" },
      );
  });
}

/** Summed BLEU statistics of a corpus (sacreBLEU's `_extract_corpus_statistics` + sum). */
export function bleuStatistics(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  options: BleuOptions = {},
): BleuStatistics {
  checkReferenceStreams(hypotheses, references);
  const maxOrder = options.maxNgramOrder ?? 4;
  const tokenizer = bleuTokenizer(options.tokenize ?? "13a");
  const prepare = (line: string): string =>
    tokenizer(pyRstrip(options.lowercase === true ? line.toLowerCase() : line));
  const stats: BleuStatistics = {
    correct: new Array<number>(maxOrder).fill(0),
    total: new Array<number>(maxOrder).fill(0),
    sysLen: 0,
    refLen: 0,
  };
  hypotheses.forEach((hypothesis, i) => {
    const refCounts = new Map<string, number>();
    const refLens: number[] = [];
    for (const stream of references) {
      const ref = wordNgrams(prepare(stream[i]!), maxOrder);
      refLens.push(ref.length);
      for (const [key, count] of ref.counts) refCounts.set(key, Math.max(refCounts.get(key) ?? 0, count));
    }
    const hyp = wordNgrams(prepare(hypothesis), maxOrder);
    stats.sysLen += hyp.length;
    stats.refLen += closestRefLength(hyp.length, refLens);
    for (const [key, count] of hyp.counts) {
      const n = key.split(" ").length - 1;
      stats.total[n] = stats.total[n]! + count;
      stats.correct[n] = stats.correct[n]! + Math.min(count, refCounts.get(key) ?? 0);
    }
  });
  return stats;
}

/**
 * Corpus BLEU. `references` is a list of reference STREAMS, each aligned with `hypotheses`
 * (`references[k][i]` is the k-th reference of hypothesis i), as sacreBLEU takes them.
 * @example corpusBleu(["the cat sat"], [["the cat sat down"]]).score
 */
export function corpusBleu(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  options: BleuOptions = {},
): BleuScore {
  const stats = bleuStatistics(hypotheses, references, options);
  return computeBleu(stats, { ...options, smoothMethod: options.smoothMethod ?? "exp" });
}

/** Sentence BLEU (sacreBLEU's `BLEU(effective_order=True).sentence_score(hyp, refs)` by default). */
export function sentenceBleu(
  hypothesis: string,
  references: readonly string[],
  options: BleuOptions = {},
): BleuScore {
  return corpusBleu(
    [hypothesis],
    references.map((r) => [r]),
    { ...options, effectiveOrder: options.effectiveOrder ?? true },
  );
}

/** sacreBLEU's signature for these options, e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`. */
export function bleuSignature(nrefs: number, options: BleuOptions = {}): string {
  return [
    `nrefs:${nrefs}`,
    `case:${options.lowercase === true ? "lc" : "mixed"}`,
    `eff:${options.effectiveOrder === true ? "yes" : "no"}`,
    `tok:${options.tokenize ?? "13a"}`,
    `smooth:${options.smoothMethod ?? "exp"}`,
    "version:2.6.0",
  ].join("|");
}
