/**
 * The metric registry: each metric turns the per-sample results of one task into one number (plus a
 * standard error where lm-evaluation-harness reports one). Tasks name their metrics; `--tasks-file` YAML
 * `metric_list` entries are looked up here. Corpus metrics (BLEU, chrF, TER) are computed on the whole
 * corpus, not averaged over sentences, as sacreBLEU's `corpus_*` do.
 */
import { AtlasError } from "../../core/index.js";
import { mean, meanStderr, type MultipleChoiceOutcome } from "./accuracy.js";
import { corpusBleu } from "./bleu.js";
import { bootstrapMean } from "./bootstrap.js";
import { corpusChrf } from "./chrf.js";
import { rougeScores, type RougeType } from "./rouge.js";
import { corpusTer } from "./ter.js";
import { winRate, type PairVerdict } from "./win-rate.js";

/** What one sample contributes to metrics; each metric reads the fields it needs. */
export interface MetricSample {
  /** Multiple-choice tasks. */
  choice?: MultipleChoiceOutcome;
  /** Generation tasks: the (filtered) model output and its reference(s). */
  prediction?: string;
  references?: readonly string[];
  /** Judged tasks. */
  verdict?: PairVerdict;
}

/** A metric's value for a task. */
export interface MetricValue {
  value: number;
  /** Standard error, when defined. */
  stderr?: number;
  /** Extra numbers reported beside it (e.g. the win rate's interval and counts). */
  extra?: Record<string, number>;
}

/** One registered metric. */
export interface MetricDefinition {
  name: string;
  higherIsBetter: boolean;
  /** What the metric needs from each sample. */
  needs: "choice" | "generation" | "verdict";
  /** One line for docs and `--list-tasks`. */
  description: string;
  compute(samples: readonly MetricSample[]): MetricValue;
}

function choiceValues(samples: readonly MetricSample[], key: "acc" | "acc_norm" | "exact_match"): number[] {
  return samples.map((s) => {
    if (s.choice === undefined)
      throw new AtlasError("BAD_ARGUMENT", `metric ${key} needs multiple-choice samples`);
    return s.choice[key];
  });
}

function meanMetric(values: number[]): MetricValue {
  const stderr = meanStderr(values);
  return Number.isNaN(stderr) ? { value: mean(values) } : { value: mean(values), stderr };
}

/** Hypotheses and reference streams of generation samples (every sample needs as many references). */
export function corpusOf(samples: readonly MetricSample[]): { hypotheses: string[]; streams: string[][] } {
  const hypotheses = samples.map((s) => s.prediction ?? "");
  const counts = new Set(samples.map((s) => s.references?.length ?? 0));
  if (counts.size > 1 || counts.has(0))
    throw new AtlasError(
      "BAD_ARGUMENT",
      "corpus metrics need the same number (≥ 1) of references for every sample",
    );
  const k = samples[0]?.references?.length ?? 1;
  const streams = Array.from({ length: k }, (_, r) => samples.map((s) => s.references![r]!));
  return { hypotheses, streams };
}

/** A metric computed on the whole corpus of outputs and reference streams. */
function corpusMetric(
  name: string,
  description: string,
  higherIsBetter: boolean,
  score: (hypotheses: string[], streams: string[][]) => number,
): MetricDefinition {
  return {
    name,
    higherIsBetter,
    needs: "generation",
    description,
    compute(samples) {
      const { hypotheses, streams } = corpusOf(samples);
      return { value: score(hypotheses, streams) };
    },
  };
}

function rougeMetric(type: RougeType): MetricDefinition {
  return {
    name: type,
    higherIsBetter: true,
    needs: "generation",
    description: `${type} F1 × 100 (rouge_score default tokenizer: Latin letters and digits only), bootstrap mid`,
    compute(samples) {
      const f = samples.map(
        (s) => rougeScores(s.references?.[0] ?? "", s.prediction ?? "", [type])[type].fmeasure,
      );
      const interval = bootstrapMean(f);
      return {
        value: 100 * interval.mid,
        extra: { low: 100 * interval.low, high: 100 * interval.high, mean: 100 * mean(f) },
      };
    },
  };
}

const DEFINITIONS: MetricDefinition[] = [
  {
    name: "acc",
    higherIsBetter: true,
    needs: "choice",
    description: "accuracy: the highest log-likelihood choice is the gold (lm-eval)",
    compute: (samples) => meanMetric(choiceValues(samples, "acc")),
  },
  {
    name: "acc_norm",
    higherIsBetter: true,
    needs: "choice",
    description: "accuracy with log-likelihoods divided by the choice's length in code points (lm-eval)",
    compute: (samples) => meanMetric(choiceValues(samples, "acc_norm")),
  },
  {
    name: "exact_match",
    higherIsBetter: true,
    needs: "generation",
    description:
      "multiple choice: the gold is the greedy continuation; generation: output equals a reference",
    compute: (samples) =>
      meanMetric(
        samples.map((s) =>
          s.choice !== undefined
            ? s.choice.exact_match
            : (s.references ?? []).includes(s.prediction ?? "")
              ? 1
              : 0,
        ),
      ),
  },
  corpusMetric(
    "bleu",
    "sacreBLEU corpus BLEU (13a, exp smoothing), 0–100",
    true,
    (h, r) => corpusBleu(h, r).score,
  ),
  corpusMetric(
    "chrf",
    "sacreBLEU corpus chrF (char order 6, word order 0, β = 2), 0–100",
    true,
    (h, r) => corpusChrf(h, r).score,
  ),
  corpusMetric(
    "ter",
    "sacreBLEU corpus TER (Tercom shifts, case-insensitive), 0–100+",
    false,
    (h, r) => corpusTer(h, r).score,
  ),
  rougeMetric("rouge1"),
  rougeMetric("rouge2"),
  rougeMetric("rougeL"),
  rougeMetric("rougeLsum"),
  {
    name: "win_rate",
    higherIsBetter: true,
    needs: "verdict",
    description: "share of consistent judged pairs the model wins, % (Wilson 95% interval)",
    compute(samples) {
      const rate = winRate(samples.map((s) => s.verdict ?? "invalid"));
      return {
        value: rate.winRate,
        extra: {
          ci_low: rate.ciLow,
          ci_high: rate.ciHigh,
          wins: rate.wins,
          losses: rate.losses,
          inconsistent: rate.inconsistent,
          invalid: rate.invalid,
        },
      };
    },
  },
];

/** Every metric by name. */
export const METRICS: ReadonlyMap<string, MetricDefinition> = new Map(DEFINITIONS.map((d) => [d.name, d]));

/** Looks a metric up; unknown names are a BAD_ARGUMENT listing the known ones. */
export function getMetric(name: string): MetricDefinition {
  const metric = METRICS.get(name);
  if (metric === undefined)
    throw new AtlasError("BAD_ARGUMENT", `unknown metric '${name}'`, {
      hint: `known metrics: ${[...METRICS.keys()].join(", ")}`,
    });
  return metric;
}
