/**
 * From responses to per-sample records (what `samples_<task>.jsonl` holds) and to the inputs of the
 * metrics. Generated text goes through the harness's one filter, `strip` (Python's `str.strip`).
 */
import { AtlasError } from "../../core/index.js";
import { scoreMultipleChoice } from "../metrics/accuracy.js";
import { pyStrip } from "../metrics/python-text.js";
import type { MetricSample } from "../metrics/registry.js";
import { combineVerdicts } from "../metrics/win-rate.js";
import type { EvalItem } from "./build-items.js";
import type { EvalResponse } from "./eval-model.js";
import { parseVerdict } from "./judge.js";

/** The name of the filter generation metrics are reported under (`bleu,strip`). */
export const GENERATION_FILTER = "strip";

/** One line of `samples_<task>.jsonl` (lm-eval's per-sample log, in our names). */
export interface SampleRecord {
  doc_id: number;
  doc: Record<string, unknown>;
  target: unknown;
  arguments: unknown;
  resps: unknown;
  filtered_resps: unknown;
  metrics: Record<string, unknown>;
}

/** Judge replies of a pair: [model shown as A, model shown as B]. */
export type JudgeReplies = [string, string];

/** Scores one item. */
export function scoreItem(
  item: EvalItem,
  response: EvalResponse,
  judged?: JudgeReplies,
): { record: SampleRecord; metric: MetricSample } {
  const base = { doc_id: item.docId, doc: item.row, arguments: item.request };
  if (response.kind === "loglikelihood") {
    if (item.choices === undefined || item.gold === undefined)
      throw new AtlasError(
        "BAD_ARGUMENT",
        `task ${item.task.name}: a log-likelihood answer for a generation item`,
      );
    const choice = scoreMultipleChoice(item.choices, response.scores, item.gold);
    return {
      record: {
        ...base,
        target: item.gold,
        resps: response.scores.map((s) => [s.logprob, s.isGreedy]),
        filtered_resps: response.scores.map((s) => s.logprob),
        metrics: { acc: choice.acc, acc_norm: choice.acc_norm, prediction: choice.prediction },
      },
      metric: { choice },
    };
  }
  const prediction = pyStrip(response.generation.text);
  const metric: MetricSample = { prediction, references: item.references ?? [] };
  const metrics: Record<string, unknown> = { finish_reason: response.generation.finishReason };
  if (judged !== undefined) {
    const verdicts = judged.map(parseVerdict);
    metric.verdict = combineVerdicts(verdicts[0], verdicts[1]);
    metrics["judge_replies"] = judged;
    metrics["verdict"] = metric.verdict;
  }
  return {
    record: {
      ...base,
      target: item.references,
      resps: [response.generation.text],
      filtered_resps: [prediction],
      metrics,
    },
    metric,
  };
}
