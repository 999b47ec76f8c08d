/** `atlas eval --list-tasks`: the suite, its groups and every task with its data and metrics. */
import { BUILTIN_GROUPS, BUILTIN_TASKS, SUITE_TASK_NAMES, getMetric } from "../../eval/index.js";
import type { CliIO } from "../io.js";
import { printJson, println } from "../io.js";

/** Prints the task list; with `json`, one object for scripts. */
export function listTasks(io: CliIO, json: boolean): number {
  const tasks = BUILTIN_TASKS.map((t) => ({
    name: t.name,
    version: t.version,
    description: t.description,
    dataset: `${t.dataset.path}:${t.dataset.name}/${t.dataset.split}`,
    output_type: t.outputType,
    metrics: [
      ...t.metrics,
      ...(t.outputType === "generate_until" && t.judge !== undefined && !t.judge.required
        ? ["win_rate (with --judge)"]
        : []),
    ],
  }));
  const groups = BUILTIN_GROUPS.map((g) => ({
    name: g.name,
    description: g.description,
    tasks: g.tasks.length,
    aggregate: g.aggregate ?? [],
  }));
  if (json) {
    printJson(io, { suite: SUITE_TASK_NAMES, groups, tasks });
    return 0;
  }
  println(io, `The card's suite (the default --tasks): ${SUITE_TASK_NAMES.join(", ")}`);
  println(io);
  println(io, "Groups:");
  for (const g of groups) println(io, `  ${g.name.padEnd(24)} ${g.description} (${g.tasks} tasks)`);
  println(io);
  println(io, "Tasks:");
  for (const t of tasks) println(io, `  ${t.name.padEnd(44)} ${t.dataset}  [${t.metrics.join(", ")}]`);
  println(io);
  println(io, "Metrics:");
  for (const name of ["acc", "acc_norm", "bleu", "chrf", "ter", "rouge1", "win_rate"]) {
    const m = getMetric(name);
    println(io, `  ${m.name.padEnd(10)} ${m.description}`);
  }
  return 0;
}
