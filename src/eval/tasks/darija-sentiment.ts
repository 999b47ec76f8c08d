/**
 * DarijaBench sentiment (MBZUAI-Paris/DarijaBench, splits mac, myc, msac, msda, electro_maroc): the row's
 * own user message, whose dash-bulleted label words become lettered options — A = negative, B = positive,
 * C = neutral, as in the card's harness — followed by a Darija instruction to answer with one letter.
 * The target is the letter of the option equal to the reference (`messages[1]`). Group score: the
 * size-weighted mean of acc over the five splits.
 */
import { AtlasError } from "../../core/index.js";
import type { DatasetRow } from "../data/dataset-ref.js";
import { choiceLetters, messageContent } from "./row-fields.js";
import type { MultipleChoiceTask, TaskGroup } from "./task-types.js";

type Polarity = "negative" | "positive" | "neutral";
const ORDER: readonly Polarity[] = ["negative", "positive", "neutral"];

// Label words as they appear in Darija/MSA/English/French label lists (hamza-less forms after folding).
const LEXICON: Readonly<Record<Polarity, readonly string[]>> = {
  negative: ["سلبي", "سلبيه", "negative", "negatif", "négatif", "خايب", "ناقص"],
  positive: ["ايجابي", "ايجابيه", "positive", "positif", "مزيان", "زوين"],
  neutral: ["محايد", "محايده", "neutral", "neutre", "والو", "بلا احساس", "ماكاين"],
};

function fold(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[إأآ]/g, "ا")
    .replace(/ة/g, "ه")
    .replace(/[.،,:!]+$/u, "");
}

function polarityOf(label: string): Polarity | undefined {
  const folded = fold(label);
  return ORDER.find((p) => LEXICON[p].some((word) => folded.includes(word)));
}

const BULLET = /^\s*[-•*]\s*(.+?)\s*$/u;

/** The bulleted labels of a row, ordered negative, positive, neutral (unknown words after, in order). */
export function sentimentOptions(row: DatasetRow): { lines: string[]; labels: string[] } {
  const lines = messageContent(row, 0).split("\n");
  const labels = lines.map((l) => BULLET.exec(l)?.[1]).filter((l): l is string => l !== undefined);
  if (labels.length < 2)
    throw new AtlasError("INVALID_MODEL", "a sentiment row's prompt has no '- label' option lines", {
      hint: "DarijaBench sentiment prompts list the labels as dash bullets",
    });
  const rank = (label: string): number => {
    const p = polarityOf(label);
    return p === undefined ? ORDER.length : ORDER.indexOf(p);
  };
  return { lines, labels: [...labels].sort((a, b) => rank(a) - rank(b)) };
}

/** The prompt: the row's message with lettered options and a one-letter instruction, then the cue. */
export function sentimentPrompt(row: DatasetRow): string {
  const { lines, labels } = sentimentOptions(row);
  const letters = choiceLetters(labels.length);
  const kept = lines.filter((l) => !BULLET.test(l));
  while (kept.length > 0 && kept.at(-1)!.trim() === "") kept.pop();
  const options = labels.map((label, i) => `${letters[i]}. ${label}`);
  const choice = `${letters.slice(0, -1).join("، ")} ولا ${letters.at(-1)!}`;
  return [...kept, ...options, `جاوب غير بحرف واحد: ${choice}.`, "الجواب:"].join("\n");
}

function sentimentTarget(row: DatasetRow): number {
  const { labels } = sentimentOptions(row);
  const reference = messageContent(row, 1);
  let index = labels.findIndex((l) => fold(l) === fold(reference));
  if (index < 0) {
    const polarity = polarityOf(reference);
    index = labels.findIndex((l) => polarity !== undefined && polarityOf(l) === polarity);
  }
  return index;
}

const SPLITS: readonly [string, string][] = [
  ["mac", "mac"],
  ["myc", "myc"],
  ["msac", "msac"],
  ["msda", "msda"],
  ["electrom", "electro_maroc"],
];

/** One task per split. */
export const DARIJA_SENTIMENT_TASKS: readonly MultipleChoiceTask[] = SPLITS.map(([suffix, split]) => ({
  name: `darija_sentiment_${suffix}`,
  version: 1,
  description: `DarijaBench sentiment, ${split}`,
  dataset: { path: "MBZUAI-Paris/DarijaBench", name: "default", split },
  outputType: "multiple_choice",
  text: sentimentPrompt,
  choices: (row) => choiceLetters(sentimentOptions(row).labels.length),
  target: sentimentTarget,
  targetDelimiter: " ",
  fewshotDelimiter: "\n\n",
  metrics: ["acc", "acc_norm"],
  promptDescription:
    "row prompt with labels as 'A. …' (A negative, B positive, C neutral), one-letter instruction",
}));

export const DARIJA_SENTIMENT_GROUP: TaskGroup = {
  name: "darija_sentiment",
  description: "DarijaBench sentiment: five sources, size-weighted accuracy (the card's Sentiment)",
  tasks: DARIJA_SENTIMENT_TASKS.map((t) => t.name),
  aggregate: ["acc"],
};
