/**
 * `runEvaluation(options)`: the whole evaluation with ONE options object — load each task's rows, build
 * every request, run them all through one bounded pool (cache first, so `--resume` redoes nothing that
 * finished), judge where asked, score, aggregate groups, and return results.json plus per-sample logs.
 */
import { AtlasError, isAtlasError } from "../../core/index.js";
import { describeDatasetRef, type DatasetRow } from "../data/dataset-ref.js";
import { loadDatasetRows, type LoadDatasetOptions } from "../data/load-dataset.js";
import { getMetric, type MetricSample } from "../metrics/registry.js";
import type { TaskDefinition, TaskGroup } from "../tasks/task-types.js";
import { buildItems, type EvalItem } from "./build-items.js";
import type { EvalModel, EvalRequest } from "./eval-model.js";
import { judgeRequests } from "./judge.js";
import type { RequestCache } from "./request-cache.js";
import { runRequests } from "./request-pool.js";
import {
  filterOf,
  groupTable,
  putMetric,
  RESULTS_SCHEMA_VERSION,
  taskConfig,
  type MetricTable,
  type ResultsJson,
} from "./results-layout.js";
import { scoreItem, type JudgeReplies, type SampleRecord } from "./score-items.js";

/** Progress of a run: per task, requests done of total; `phase` says which pass. */
export interface EvalProgress {
  phase: "data" | "model" | "judge";
  task: string;
  done: number;
  total: number;
}

/** Everything an evaluation needs. */
export interface EvaluationOptions {
  model: EvalModel;
  tasks: readonly TaskDefinition[];
  groups?: readonly TaskGroup[];
  /** The judge for judged tasks (any EvalModel: embedded or remote). */
  judge?: EvalModel;
  /** First N rows of each task (after its filters), like lm-eval's --limit. */
  limit?: number;
  /** Few-shot examples for multiple-choice tasks. Default 0 (the card's zero-shot). */
  numFewshot?: number;
  /** Where rows come from: `dataDir` (local files) or the hub (env, cache folder, fetch …). */
  data?: LoadDatasetOptions;
  cache?: RequestCache;
  /** Requests in flight; default the model's own `concurrency`. */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (event: EvalProgress) => void;
  /** Extra fields for results.json `config` (the command line, the user's flags). */
  config?: Record<string, unknown>;
  /** results.json `git_hash`. */
  gitHash?: string | null;
}

/** What an evaluation produced. */
export interface EvaluationResult {
  results: ResultsJson;
  samples: Map<string, SampleRecord[]>;
}

async function loadRows(
  options: EvaluationOptions,
  ref: TaskDefinition["dataset"],
  memo: Map<string, Promise<DatasetRow[]>>,
) {
  const key = describeDatasetRef(ref);
  let rows = memo.get(key);
  if (rows === undefined) {
    rows = loadDatasetRows(ref, {
      ...options.data,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    memo.set(key, rows);
  }
  return rows;
}

/**
 * Errors of the model pass, made actionable: a cancelled run says how to resume; a server that cannot
 * echo log-probabilities is told which of the requested tasks need them.
 */
function withTaskNames(error: unknown, tasks: readonly TaskDefinition[]): unknown {
  if (isAtlasError(error, "ABORTED"))
    return new AtlasError("ABORTED", "evaluation stopped; finished requests are saved in the cache", {
      cause: error,
      hint: "run the same command with --resume to continue where it stopped",
    });
  if (!isAtlasError(error, "UNSUPPORTED") || error.details.field !== "echo") return error;
  const needing = tasks.filter((t) => t.outputType === "multiple_choice").map((t) => t.name);
  const shown = needing.length > 6 ? [...needing.slice(0, 6), `… (${needing.length} in all)`] : needing;
  return new AtlasError(
    "UNSUPPORTED",
    `${error.message.split(" — ")[0]!}; these tasks need it: ${shown.join(", ")}`,
    {
      cause: error,
      details: error.details,
      hint: "leave them out of --tasks for this server, or evaluate them with the embedded backend",
    },
  );
}

/** Runs an evaluation. */
export async function runEvaluation(options: EvaluationOptions): Promise<EvaluationResult> {
  const started = Date.now();
  const numFewshot = options.numFewshot ?? 0;
  for (const task of options.tasks)
    if (task.outputType === "generate_until" && task.judge?.required === true && options.judge === undefined)
      throw new AtlasError("BAD_ARGUMENT", `task ${task.name} is judged: give a judge model with --judge`, {
        hint: "e.g. --judge atlas-chat:9b or --judge openai:http://host:8000/v1",
      });
  const memo = new Map<string, Promise<DatasetRow[]>>();
  const itemsByTask = new Map<string, EvalItem[]>();
  const original = new Map<string, number>();
  for (const task of options.tasks) {
    options.onProgress?.({ phase: "data", task: task.name, done: 0, total: 1 });
    const all = (await loadRows(options, task.dataset, memo)).filter((row) => task.keep?.(row) ?? true);
    original.set(task.name, all.length);
    const rows = options.limit === undefined ? all : all.slice(0, options.limit);
    const fewshotRows =
      numFewshot > 0 && task.fewshot !== undefined && task.fewshot.split !== task.dataset.split
        ? await loadRows(options, { ...task.dataset, split: task.fewshot.split }, memo)
        : [];
    itemsByTask.set(task.name, buildItems(task, rows, { numFewshot, fewshotRows }));
    options.onProgress?.({ phase: "data", task: task.name, done: 1, total: 1 });
  }
  const items = [...itemsByTask.values()].flat();
  const progress = (phase: "model" | "judge", list: readonly EvalItem[], perItem: number) => {
    const totals = new Map<string, number>();
    const done = new Map<string, number>();
    for (const item of list) totals.set(item.task.name, (totals.get(item.task.name) ?? 0) + perItem);
    for (const [task, total] of totals) options.onProgress?.({ phase, task, done: 0, total });
    return (index: number): void => {
      const task = list[Math.floor(index / perItem)]!.task.name;
      done.set(task, (done.get(task) ?? 0) + 1);
      options.onProgress?.({ phase, task, done: done.get(task)!, total: totals.get(task)! });
    };
  };
  const common = {
    cache: options.cache,
    signal: options.signal,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
  };
  const modelRun = await runRequests({
    ...common,
    model: options.model,
    requests: items.map((i) => i.request),
    onDone: progress("model", items, 1),
  }).catch((error: unknown) => {
    throw withTaskNames(error, options.tasks);
  });

  // Judged tasks: two requests per item (the model's answer first as A, then as B).
  const judged =
    options.judge === undefined
      ? []
      : items.filter((i) => i.task.outputType === "generate_until" && i.task.judge !== undefined);
  const judgeReplies = new Map<EvalItem, JudgeReplies>();
  let judgeStats = { computed: 0, cached: 0 };
  if (options.judge !== undefined && judged.length > 0) {
    const position = new Map(items.map((item, index) => [item, index]));
    const requests: EvalRequest[] = judged.flatMap((item) => {
      const response = modelRun.responses[position.get(item)!]!;
      const answer = response.kind === "generate" ? response.generation.text.trim() : "";
      return judgeRequests(
        (item.task as Extract<TaskDefinition, { outputType: "generate_until" }>).judge!,
        item.row,
        answer,
      );
    });
    const judgeRun = await runRequests({
      ...common,
      model: options.judge,
      requests,
      onDone: progress("judge", judged, 2),
    }).catch((error: unknown) => {
      throw withTaskNames(error, []);
    });
    judgeStats = { computed: judgeRun.computed, cached: judgeRun.cached };
    judged.forEach((item, k) => {
      const reply = (r: (typeof judgeRun.responses)[number] | undefined): string =>
        r?.kind === "generate" ? r.generation.text : "";
      judgeReplies.set(item, [reply(judgeRun.responses[2 * k]), reply(judgeRun.responses[2 * k + 1])]);
    });
  }

  const samples = new Map<string, SampleRecord[]>();
  const metricSamples = new Map<string, MetricSample[]>();
  items.forEach((item, index) => {
    const scored = scoreItem(item, modelRun.responses[index]!, judgeReplies.get(item));
    const name = item.task.name;
    if (!samples.has(name)) {
      samples.set(name, []);
      metricSamples.set(name, []);
    }
    samples.get(name)!.push(scored.record);
    metricSamples.get(name)!.push(scored.metric);
  });

  const results: Record<string, MetricTable> = {};
  for (const task of options.tasks) {
    const table: MetricTable = { alias: task.name };
    const list = metricSamples.get(task.name) ?? [];
    for (const metric of task.metrics) {
      if (list.length === 0) continue;
      putMetric(table, metric, filterOf(task), getMetric(metric).compute(list));
    }
    if (
      task.outputType === "generate_until" &&
      task.judge !== undefined &&
      !task.judge.required &&
      options.judge !== undefined
    )
      putMetric(table, "win_rate", filterOf(task), getMetric("win_rate").compute(list));
    results[task.name] = table;
  }
  const taskMap = new Map(options.tasks.map((t) => [t.name, t]));
  const groups: Record<string, MetricTable> = {};
  const groupSubtasks: Record<string, string[]> = {};
  for (const group of options.groups ?? []) {
    groups[group.name] = groupTable(group, metricSamples, taskMap);
    groupSubtasks[group.name] = [...group.tasks];
  }
  const ended = Date.now();
  const byTask = <T>(f: (t: TaskDefinition) => T): Record<string, T> =>
    Object.fromEntries(options.tasks.map((t) => [t.name, f(t)]));
  return {
    samples,
    results: {
      results,
      groups,
      group_subtasks: groupSubtasks,
      configs: byTask((t) => taskConfig(t, t.outputType === "multiple_choice" ? numFewshot : 0)),
      versions: byTask((t) => t.version),
      "n-shot": byTask((t) => (t.outputType === "multiple_choice" ? numFewshot : 0)),
      higher_is_better: byTask((t) =>
        Object.fromEntries(
          [
            ...t.metrics,
            ...(t.outputType === "generate_until" && t.judge !== undefined ? ["win_rate"] : []),
          ].map((m) => [m, getMetric(m).higherIsBetter]),
        ),
      ),
      "n-samples": byTask((t) => ({
        original: original.get(t.name) ?? 0,
        effective: itemsByTask.get(t.name)?.length ?? 0,
      })),
      config: {
        model: options.model.info.name,
        backend: options.model.info.backend,
        judge: options.judge?.info.name ?? null,
        limit: options.limit ?? null,
        num_fewshot: numFewshot,
        concurrency: options.concurrency ?? options.model.concurrency,
        bootstrap_iters: 1000,
        bootstrap_seed: 1234,
        gen_kwargs: { temperature: 0 },
        ...options.config,
      },
      git_hash: options.gitHash ?? null,
      date: started / 1000,
      model_name: options.model.info.name,
      model_info: { ...options.model.info.details, id: options.model.id },
      start_time: started / 1000,
      end_time: ended / 1000,
      total_evaluation_time_seconds: ((ended - started) / 1000).toFixed(3),
      atlas_results_schema: RESULTS_SCHEMA_VERSION,
      atlas_stats: {
        requests: items.length,
        computed: modelRun.computed,
        cached: modelRun.cached,
        judge_computed: judgeStats.computed,
        judge_cached: judgeStats.cached,
      },
    },
  };
}
