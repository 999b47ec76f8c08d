/**
 * DarijaHellaSwag (MBZUAI-Paris/DarijaHellaSwag): evaluated on `validation` (lm-eval has no test split
 * for it); query = activity label + ": " + context, choices = the four endings (no bracket cleanup),
 * acc and acc_norm (they differ here: endings differ in length).
 */
import { intField, textField, textList } from "./row-fields.js";
import type { MultipleChoiceTask } from "./task-types.js";

export const DARIJA_HELLASWAG_TASK: MultipleChoiceTask = {
  name: "darija_hellaswag",
  version: 1,
  description: "DarijaHellaSwag: pick the ending of a situation (validation split)",
  dataset: { path: "MBZUAI-Paris/DarijaHellaSwag", name: "default", split: "validation" },
  outputType: "multiple_choice",
  text: (row) => `${textField(row, "activity_label")}: ${textField(row, "ctx")}`,
  choices: (row) => textList(row, "endings"),
  target: (row) => intField(row, "label"),
  targetDelimiter: " ",
  fewshotDelimiter: "\n\n",
  fewshot: { split: "train", sampler: "random" },
  metrics: ["acc", "acc_norm"],
  promptDescription: "'<activity_label>: <ctx>', continuations ' <ending>'",
};
