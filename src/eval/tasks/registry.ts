/**
 * The task registry: every built-in task and group by name, and the resolution of a `--tasks` list
 * (task and group names, plus tasks imported from lm-eval YAML files) into the tasks to run.
 */
import { AtlasError } from "../../core/index.js";
import { BELEBELE_ARY_TASK } from "./belebele-ary.js";
import { DARIJA_ALPACAEVAL_TASK } from "./darija-alpacaeval.js";
import {
  DARIJA_SUMMARIZATION_TASK,
  DARIJA_TRANSLATION_GROUP,
  DARIJA_TRANSLATION_TASKS,
  DARIJA_TRANSLITERATION_GROUP,
  DARIJA_TRANSLITERATION_TASKS,
} from "./darija-bench-generation.js";
import { DARIJA_HELLASWAG_TASK } from "./darija-hellaswag.js";
import { DARIJA_MMLU_GROUP, DARIJA_MMLU_TASKS } from "./darija-mmlu.js";
import { DARIJA_SENTIMENT_GROUP, DARIJA_SENTIMENT_TASKS } from "./darija-sentiment.js";
import type { TaskDefinition, TaskGroup } from "./task-types.js";

/** Every built-in task. */
export const BUILTIN_TASKS: readonly TaskDefinition[] = [
  ...DARIJA_MMLU_TASKS,
  DARIJA_HELLASWAG_TASK,
  BELEBELE_ARY_TASK,
  ...DARIJA_SENTIMENT_TASKS,
  ...DARIJA_TRANSLATION_TASKS,
  ...DARIJA_TRANSLITERATION_TASKS,
  DARIJA_SUMMARIZATION_TASK,
  DARIJA_ALPACAEVAL_TASK,
];

/** Every built-in group. */
export const BUILTIN_GROUPS: readonly TaskGroup[] = [
  DARIJA_MMLU_GROUP,
  DARIJA_SENTIMENT_GROUP,
  DARIJA_TRANSLATION_GROUP,
  DARIJA_TRANSLITERATION_GROUP,
];

/** The names `--tasks` offers at the top level (what the card reports), in the card's order. */
export const SUITE_TASK_NAMES = [
  "darija_mmlu",
  "darija_hellaswag",
  "belebele_ary",
  "darija_sentiment",
  "darija_translation",
  "darija_transliteration",
  "darija_summarization",
  "darija_alpacaeval",
] as const;

/** Tasks and groups to run, in request order. */
export interface ResolvedTasks {
  tasks: TaskDefinition[];
  groups: TaskGroup[];
}

/**
 * Resolves names (tasks or groups, built-in or from `extra`) into tasks; a group brings its subtasks.
 * @throws AtlasError BAD_ARGUMENT for an unknown name, with the nearest known ones.
 */
export function resolveTasks(names: readonly string[], extra: readonly TaskDefinition[] = []): ResolvedTasks {
  const tasks = new Map<string, TaskDefinition>([...BUILTIN_TASKS, ...extra].map((t) => [t.name, t]));
  const groups = new Map(BUILTIN_GROUPS.map((g) => [g.name, g]));
  const outTasks = new Map<string, TaskDefinition>();
  const outGroups = new Map<string, TaskGroup>();
  const add = (name: string): void => {
    const task = tasks.get(name);
    if (task !== undefined) {
      outTasks.set(name, task);
      return;
    }
    const group = groups.get(name);
    if (group === undefined) {
      const near = [...tasks.keys(), ...groups.keys()]
        .filter((n) => n.includes(name) || name.includes(n))
        .slice(0, 5);
      throw new AtlasError("BAD_ARGUMENT", `unknown task '${name}'`, {
        hint: near.length > 0 ? `did you mean ${near.join(", ")}?` : "see `atlas eval --list-tasks`",
      });
    }
    outGroups.set(name, group);
    group.tasks.forEach(add);
  };
  names.forEach(add);
  return { tasks: [...outTasks.values()], groups: [...outGroups.values()] };
}
