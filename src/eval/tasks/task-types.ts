/**
 * What a task is: data (a dataset split, which rows, how a row becomes a prompt, choices and target,
 * which metrics, a version) in the manner of lm-evaluation-harness's YAML tasks. Built-in tasks and
 * tasks imported from lm-eval YAML files have the same shape; the runner knows nothing task-specific.
 */
import type { ChatMessage } from "../../core/index.js";
import type { DatasetRef, DatasetRow } from "../data/dataset-ref.js";

/** A prompt for generation: a conversation (rendered with the model's chat template) or raw text. */
export type EvalPrompt = { kind: "chat"; messages: ChatMessage[] } | { kind: "text"; text: string };

/** Few-shot examples: which split, and how they are drawn (lm-eval's `fewshot_config.sampler`). */
export interface FewshotSource {
  split: string;
  /** `first_n`: the first rows in order (the current row skipped); `random`: a seeded shuffle. */
  sampler: "first_n" | "random";
}

/** Fields every task has. */
export interface TaskBase {
  /** Registry name, e.g. `darija_mmlu_accounting`. */
  name: string;
  /** Bumped whenever prompts, choices, targets or metrics change (results.json `versions`). */
  version: number;
  description: string;
  dataset: DatasetRef;
  /** Rows to keep (lm-eval's `process_docs` filters); default all. */
  keep?: (row: DatasetRow) => boolean;
  /** Metric names from the metric registry. */
  metrics: readonly string[];
  /** One line on how the prompt is built (results.json `configs`). */
  promptDescription: string;
  /** Where few-shot examples come from; tasks without it are zero-shot only. */
  fewshot?: FewshotSource;
}

/** Scored by the log-likelihood of each choice after the prompt (lm-eval `multiple_choice`). */
export interface MultipleChoiceTask extends TaskBase {
  outputType: "multiple_choice";
  text(row: DatasetRow): string;
  choices(row: DatasetRow): string[];
  /** Index of the gold choice (or several). */
  target(row: DatasetRow): number | number[];
  /** Put between the prompt and each choice; lm-eval's default " ". */
  targetDelimiter: string;
  /** Between few-shot examples; lm-eval's default "\n\n". */
  fewshotDelimiter: string;
}

/** How a pairwise judge compares the model's answer with a reference answer. */
export interface JudgeSpec {
  /** The request both answers respond to, as shown to the judge. */
  instruction(row: DatasetRow): string;
  /** The reference answer the model's answer is compared with. */
  reference(row: DatasetRow): string;
  /** The judging criteria, in Darija, inserted into the judge prompt. */
  criteria: string;
  /** True: the task is only judged (needs --judge); false: judged in addition when a judge is given. */
  required: boolean;
}

/** Generated until a stop string (lm-eval `generate_until`), then compared with references. */
export interface GenerationTask extends TaskBase {
  outputType: "generate_until";
  prompt(row: DatasetRow): EvalPrompt;
  references(row: DatasetRow): string[];
  /** Greedy decoding settings (lm-eval `generation_kwargs`). */
  generation: { maxTokens: number; stop: string[] };
  judge?: JudgeSpec;
}

/** Any task. */
export type TaskDefinition = MultipleChoiceTask | GenerationTask;

/** Several tasks reported together; `aggregate` adds a size-weighted mean (lm-eval `weight_by_size`). */
export interface TaskGroup {
  name: string;
  description: string;
  /** Task or group names. */
  tasks: readonly string[];
  /** Metrics averaged over all samples of the subtasks (micro-average); none: no group score. */
  aggregate?: readonly string[];
}
