/**
 * DarijaMMLU (MBZUAI-Paris/DarijaMMLU): 44 subject configs, 23 translated from MMLU and 21 from
 * ArabicMMLU; zero-shot on `test` (few-shot from `dev`, first rows); letter choices scored as " A", " B" …;
 * the group score is the size-weighted (micro) mean of `acc`, like the card's.
 */
import type { DatasetRow } from "../data/dataset-ref.js";
import { choiceLetters, intField, optionalText, textField, textList } from "./row-fields.js";
import type { MultipleChoiceTask, TaskGroup } from "./task-types.js";

/** Subject config → category, for the MMLU-derived subjects. */
export const DARIJA_MMLU_FROM_MMLU: Readonly<Record<string, string>> = {
  global_facts: "other",
  high_school_european_history: "humanities",
  high_school_geography: "social_sciences",
  high_school_government_and_politics: "social_sciences",
  high_school_psychology: "social_sciences",
  high_school_statistics: "stem",
  high_school_world_history: "humanities",
  human_aging: "other",
  international_law: "humanities",
  jurisprudence: "humanities",
  logical_fallacies: "humanities",
  management: "other",
  marketing: "other",
  moral_disputes: "humanities",
  moral_scenarios: "humanities",
  nutrition: "other",
  philosophy: "humanities",
  professional_law: "humanities",
  professional_psychology: "social_sciences",
  public_relations: "social_sciences",
  security_studies: "social_sciences",
  sociology: "social_sciences",
  world_religions: "humanities",
};

/** Subject config → category, for the ArabicMMLU-derived subjects. */
export const DARIJA_MMLU_FROM_ARABIC_MMLU: Readonly<Record<string, string>> = {
  islamic_studies: "humanities",
  driving_test: "other",
  natural_science: "stem",
  history: "humanities",
  general_knowledge: "other",
  law: "humanities",
  physics: "stem",
  social_science: "social_sciences",
  management_ar: "other",
  arabic_language: "language",
  political_science: "social_sciences",
  philosophy_ar: "humanities",
  accounting: "social_sciences",
  computer_science: "stem",
  geography: "social_sciences",
  math: "stem",
  biology: "stem",
  economics: "social_sciences",
  "arabic_language_(general)": "language",
  "arabic_language_(grammar)": "language",
  civics: "social_sciences",
};

/** The prompt: a Darija header naming the subject, the (context and) question, lettered options, the cue. */
export function darijaMmluPrompt(row: DatasetRow): string {
  const choices = textList(row, "choices");
  const context = optionalText(row, "context").trim();
  const question = textField(row, "question").trim();
  const header = `هادا سؤال ديال الاختيارات (مع الجواب ديالو) على ${optionalText(row, "subject_darija").trim()}.`;
  const options = choiceLetters(choices.length).map((letter, i) => `${letter}. ${choices[i]!.trim()}`);
  const body = context === "" ? question : `${context}\n\n${question}`;
  return [header, "", body, ...options, "الجواب:"].join("\n");
}

function subjectTask(subject: string): MultipleChoiceTask {
  return {
    name: `darija_mmlu_${subject}`,
    version: 1,
    description: `DarijaMMLU, ${subject.replaceAll("_", " ")}`,
    dataset: { path: "MBZUAI-Paris/DarijaMMLU", name: subject, split: "test" },
    outputType: "multiple_choice",
    text: darijaMmluPrompt,
    choices: (row) => choiceLetters(textList(row, "choices").length),
    target: (row) => intField(row, "answer"),
    targetDelimiter: " ",
    fewshotDelimiter: "\n\n",
    fewshot: { split: "dev", sampler: "first_n" },
    metrics: ["acc", "acc_norm"],
    promptDescription: "Darija header with the subject; [context]; question; 'A. …' options; 'الجواب:'",
  };
}

/** Every subject config, MMLU-derived first. */
export const DARIJA_MMLU_SUBJECTS: readonly string[] = [
  ...Object.keys(DARIJA_MMLU_FROM_MMLU),
  ...Object.keys(DARIJA_MMLU_FROM_ARABIC_MMLU),
];

/** The 44 subject tasks. */
export const DARIJA_MMLU_TASKS: readonly MultipleChoiceTask[] = DARIJA_MMLU_SUBJECTS.map(subjectTask);

/** `darija_mmlu`: all subjects, size-weighted acc. */
export const DARIJA_MMLU_GROUP: TaskGroup = {
  name: "darija_mmlu",
  description: "DarijaMMLU: 44 subjects, size-weighted accuracy (the card's DarijaMMLU)",
  tasks: DARIJA_MMLU_TASKS.map((t) => t.name),
  aggregate: ["acc", "acc_norm"],
};
