/**
 * results.json in lm-evaluation-harness's layout (0.4.x `EvaluationTracker`): `results` and `groups` keyed
 * by task with `"<metric>,<filter>"` values and `"<metric>_stderr,<filter>"` ("N/A" when undefined),
 * `group_subtasks`, `configs`, `versions`, `n-shot`, `higher_is_better`, `n-samples`, `config`,
 * `git_hash`, `date`, model info and timings. `atlas_results_schema` versions our additions.
 */
import { mean, meanStderr } from "../metrics/accuracy.js";
import { getMetric, type MetricSample, type MetricValue } from "../metrics/registry.js";
import type { TaskDefinition, TaskGroup } from "../tasks/task-types.js";
import { GENERATION_FILTER } from "./score-items.js";

/** Version of our results.json additions; bumped when a field changes meaning. */
export const RESULTS_SCHEMA_VERSION = 1;

/** Metric values of one task or group, lm-eval style. */
export type MetricTable = Record<string, string | number>;

/** The whole results.json. */
export interface ResultsJson {
  results: Record<string, MetricTable>;
  groups: Record<string, MetricTable>;
  group_subtasks: Record<string, string[]>;
  configs: Record<string, Record<string, unknown>>;
  versions: Record<string, number>;
  "n-shot": Record<string, number>;
  higher_is_better: Record<string, Record<string, boolean>>;
  "n-samples": Record<string, { original: number; effective: number }>;
  config: Record<string, unknown>;
  git_hash: string | null;
  date: number;
  model_name: string;
  model_info: Record<string, unknown>;
  start_time: number;
  end_time: number;
  total_evaluation_time_seconds: string;
  atlas_results_schema: number;
  atlas_stats: Record<string, number>;
}

/** The filter key of a task's metrics: "none" for log-likelihood tasks, "strip" for generation. */
export function filterOf(task: TaskDefinition): string {
  return task.outputType === "multiple_choice" ? "none" : GENERATION_FILTER;
}

/** Writes a metric's value (and stderr, extras) into a table. */
export function putMetric(table: MetricTable, metric: string, filter: string, value: MetricValue): void {
  table[`${metric},${filter}`] = value.value;
  table[`${metric}_stderr,${filter}`] = value.stderr ?? "N/A";
  for (const [key, extra] of Object.entries(value.extra ?? {})) table[`${metric}_${key},${filter}`] = extra;
}

/** The declarative summary of a task for `configs`. */
export function taskConfig(task: TaskDefinition, numFewshot: number): Record<string, unknown> {
  const common = {
    task: task.name,
    description: task.description,
    dataset_path: task.dataset.path,
    dataset_name: task.dataset.name,
    test_split: task.dataset.split,
    output_type: task.outputType,
    num_fewshot: numFewshot,
    metric_list: task.metrics.map((m) => ({ metric: m, higher_is_better: getMetric(m).higherIsBetter })),
    prompt: task.promptDescription,
    metadata: { version: task.version },
  };
  if (task.outputType === "multiple_choice")
    return {
      ...common,
      target_delimiter: task.targetDelimiter,
      fewshot_delimiter: task.fewshotDelimiter,
      ...(task.fewshot === undefined
        ? {}
        : { fewshot_split: task.fewshot.split, fewshot_sampler: task.fewshot.sampler }),
    };
  return {
    ...common,
    generation_kwargs: {
      until: task.generation.stop,
      max_gen_toks: task.generation.maxTokens,
      do_sample: false,
      temperature: 0,
    },
    filter_list: [{ name: GENERATION_FILTER, filter: [{ function: "strip" }] }],
    ...(task.judge === undefined
      ? {}
      : { judge: { required: task.judge.required, criteria: task.judge.criteria } }),
  };
}

/** A group's size-weighted (micro-averaged) metrics over its subtasks' samples. */
export function groupTable(
  group: TaskGroup,
  samplesByTask: ReadonlyMap<string, MetricSample[]>,
  tasks: ReadonlyMap<string, TaskDefinition>,
): MetricTable {
  const table: MetricTable = { alias: group.name };
  for (const metric of group.aggregate ?? []) {
    const values = group.tasks.flatMap((name) => {
      const task = tasks.get(name);
      if (task === undefined || !task.metrics.includes(metric)) return [];
      return (samplesByTask.get(name) ?? []).map(
        (s) => (metric === "acc_norm" ? s.choice?.acc_norm : s.choice?.acc) ?? 0,
      );
    });
    if (values.length === 0) continue;
    const stderr = meanStderr(values);
    putMetric(
      table,
      metric,
      "none",
      Number.isNaN(stderr) ? { value: mean(values) } : { value: mean(values), stderr },
    );
  }
  return table;
}
