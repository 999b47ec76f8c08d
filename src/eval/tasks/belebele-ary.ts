/**
 * Belebele, Moroccan Arabic (facebook/belebele, config `ary_Arab`, split `test`): a passage, a question
 * and four answers, scored as the letters A–D. The card's harness uses English labels around the Darija
 * text; ours are Darija (النص / السؤال / الجواب) with the same structure.
 */
import { intField, textField } from "./row-fields.js";
import type { MultipleChoiceTask } from "./task-types.js";

const LETTERS = ["A", "B", "C", "D"];

export const BELEBELE_ARY_TASK: MultipleChoiceTask = {
  name: "belebele_ary",
  version: 1,
  description: "Belebele ary_Arab: reading comprehension, 4 answers",
  dataset: { path: "facebook/belebele", name: "ary_Arab", split: "test" },
  outputType: "multiple_choice",
  text: (row) =>
    [
      `النص: ${textField(row, "flores_passage")}`,
      `السؤال: ${textField(row, "question").trim()}`,
      ...LETTERS.map((letter, i) => `${letter}: ${textField(row, `mc_answer${i + 1}`)}`),
      "الجواب:",
    ].join("\n"),
  choices: () => LETTERS,
  target: (row) => intField(row, "correct_answer_num") - 1,
  targetDelimiter: " ",
  fewshotDelimiter: "\n\n",
  fewshot: { split: "test", sampler: "first_n" },
  metrics: ["acc", "acc_norm"],
  promptDescription: "'النص: …', 'السؤال: …', 'A: …'–'D: …', 'الجواب:'; continuations ' A'–' D'",
};
