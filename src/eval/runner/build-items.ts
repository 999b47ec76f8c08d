/**
 * From a task and its rows to the requests to run: for a multiple-choice row one log-likelihood request
 * (the context — few-shot examples, then the prompt — with every choice as `delimiter + choice`), for a
 * generation row one greedy generation request mapped onto the request contract.
 */
import { AtlasError, validateGenerateOptions } from "../../core/index.js";
import { seededRandom } from "../metrics/bootstrap.js";
import type { DatasetRow } from "../data/dataset-ref.js";
import type { GenerationTask, MultipleChoiceTask, TaskDefinition } from "../tasks/task-types.js";
import type { EvalGenerateOptions, EvalRequest } from "./eval-model.js";

/** One document of a task and what it asks of the model. */
export interface EvalItem {
  task: TaskDefinition;
  /** Index of the row among the task's (filtered) rows. */
  docId: number;
  row: DatasetRow;
  request: EvalRequest;
  /** Multiple choice: the choices and the gold index(es). */
  choices?: string[];
  gold?: number | number[];
  /** Generation: the references. */
  references?: string[];
}

/** The generation options of a task: greedy, its token limit and stop strings (validated by the contract). */
export function generationOptions(task: GenerationTask): EvalGenerateOptions {
  return validateGenerateOptions(
    { temperature: 0, maxTokens: task.generation.maxTokens, stop: task.generation.stop },
    { where: `task ${task.name}` },
  );
}

/** Few-shot examples for row `docId` (lm-eval: `first_n` skips the row itself when drawing from the same split). */
export function pickFewshot(
  pool: readonly DatasetRow[],
  count: number,
  sampler: "first_n" | "random",
  sameSplitDocId: number | undefined,
): DatasetRow[] {
  let order = pool.map((_, i) => i);
  if (sampler === "random") {
    const random = seededRandom(1234);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
  }
  if (sameSplitDocId !== undefined) order = order.filter((i) => i !== sameSplitDocId);
  return order.slice(0, count).map((i) => pool[i]!);
}

function goldIndex(task: MultipleChoiceTask, row: DatasetRow): number {
  const gold = task.target(row);
  return typeof gold === "number" ? gold : (gold[0] ?? -100);
}

function multipleChoiceItem(
  task: MultipleChoiceTask,
  row: DatasetRow,
  docId: number,
  examples: readonly DatasetRow[],
): EvalItem {
  const choices = task.choices(row);
  if (choices.length === 0)
    throw new AtlasError("INVALID_MODEL", `task ${task.name}: row ${docId} has no choices`);
  const shots = examples
    .map(
      (ex) =>
        `${task.text(ex)}${task.targetDelimiter}${task.choices(ex)[goldIndex(task, ex)] ?? ""}${task.fewshotDelimiter}`,
    )
    .join("");
  return {
    task,
    docId,
    row,
    request: {
      kind: "loglikelihood",
      context: shots + task.text(row),
      continuations: choices.map((c) => `${task.targetDelimiter}${c}`),
    },
    choices,
    gold: task.target(row),
  };
}

/** Options of {@link buildItems}. */
export interface BuildItemsOptions {
  /** Few-shot examples per multiple-choice prompt. Default 0. */
  numFewshot?: number;
  /** Rows of the few-shot split (needed when numFewshot > 0 and the split differs from the evaluated one). */
  fewshotRows?: readonly DatasetRow[];
}

/** The items of a task over `rows` (already filtered and limited). */
export function buildItems(
  task: TaskDefinition,
  rows: readonly DatasetRow[],
  options: BuildItemsOptions = {},
): EvalItem[] {
  const k = options.numFewshot ?? 0;
  if (task.outputType === "generate_until") {
    if (k > 0)
      throw new AtlasError("BAD_ARGUMENT", `task ${task.name} is zero-shot only (--num-fewshot ${k})`);
    const generate = generationOptions(task);
    return rows.map((row, docId) => ({
      task,
      docId,
      row,
      request: { kind: "generate", prompt: task.prompt(row), options: generate },
      references: task.references(row),
    }));
  }
  if (k > 0 && task.fewshot === undefined)
    throw new AtlasError("BAD_ARGUMENT", `task ${task.name} has no few-shot split (--num-fewshot ${k})`);
  const sameSplit = task.fewshot?.split === task.dataset.split;
  const pool = sameSplit ? rows : (options.fewshotRows ?? []);
  return rows.map((row, docId) =>
    multipleChoiceItem(
      task,
      row,
      docId,
      k === 0 ? [] : pickFewshot(pool, k, task.fewshot!.sampler, sameSplit ? docId : undefined),
    ),
  );
}
