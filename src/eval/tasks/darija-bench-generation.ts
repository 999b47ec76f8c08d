/**
 * DarijaBench generation tasks: translation (doda, flores_plus, madar, seed; per direction and all
 * directions as one corpus), transliteration (Darija ⇄ Arabizi) and summarization (MArSum). The row's
 * own user message is the prompt (sent through the chat template), `messages[1]` the reference; greedy,
 * stop at Gemma's end of turn, at most 256 new tokens (128 for summaries), output stripped.
 */
import type { DatasetRow } from "../data/dataset-ref.js";
import { messageContent, optionalText } from "./row-fields.js";
import type { GenerationTask, TaskGroup } from "./task-types.js";

/** Stop strings of the card's harness (end of turn of several chat formats). */
export const GENERATION_STOPS = [
  "<end_of_turn>",
  "<eos>",
  "</s>",
  "<|end_of_text|>",
  "<|eot_id|>",
  "<|endoftext|>",
];

const BENCH = "MBZUAI-Paris/DarijaBench";

function benchTask(
  name: string,
  split: string,
  description: string,
  direction: string | undefined,
  metrics: readonly string[],
): GenerationTask {
  return {
    name,
    version: 1,
    description,
    dataset: { path: BENCH, name: "default", split },
    ...(direction === undefined
      ? {}
      : { keep: (row: DatasetRow) => optionalText(row, "direction") === direction }),
    outputType: "generate_until",
    prompt: (row) => ({ kind: "chat", messages: [{ role: "user", content: messageContent(row, 0) }] }),
    references: (row) => [messageContent(row, 1)],
    generation: { maxTokens: 256, stop: GENERATION_STOPS },
    metrics,
    promptDescription: "the row's user message (messages[0]) in the chat template; reference messages[1]",
  };
}

const MT_METRICS = ["bleu", "chrf", "ter"];
const ALL_SIX = ["dr_en", "dr_fr", "dr_msa", "en_dr", "fr_dr", "msa_dr"];
const TRANSLATION_SPLITS: readonly [string, string, readonly string[]][] = [
  ["doda", "doda", ALL_SIX],
  ["flores", "flores_plus", ALL_SIX],
  ["madar", "madar", ["dr_msa", "msa_dr"]],
  ["seed", "seed", ["dr_en", "en_dr"]],
];

/** Per split: one task per direction and `…_all` (every direction as one corpus, the card's figure). */
export const DARIJA_TRANSLATION_TASKS: readonly GenerationTask[] = TRANSLATION_SPLITS.flatMap(
  ([short, split, directions]) => [
    ...directions.map((d) =>
      benchTask(
        `darija_translation_${short}_${d}`,
        split,
        `DarijaBench translation, ${split}, ${d}`,
        d,
        MT_METRICS,
      ),
    ),
    benchTask(
      `darija_translation_${short}_all`,
      split,
      `DarijaBench translation, ${split}, all directions`,
      undefined,
      MT_METRICS,
    ),
  ],
);

export const DARIJA_TRANSLATION_GROUP: TaskGroup = {
  name: "darija_translation",
  description:
    "DarijaBench translation: DODa, FLORES+, MADAR, NLLB-Seed; BLEU, chrF, TER per direction and per dataset",
  tasks: DARIJA_TRANSLATION_TASKS.map((t) => t.name),
};

/** dr_ar: Darija → Arabizi; ar_dr: Arabizi → Darija in Arabic script; all: both as one corpus. */
export const DARIJA_TRANSLITERATION_TASKS: readonly GenerationTask[] = [
  benchTask("darija_transliteration_dr_ar", "transliteration", "Darija → Arabizi", "dr_ar", MT_METRICS),
  benchTask(
    "darija_transliteration_ar_dr",
    "transliteration",
    "Arabizi → Darija (Arabic script)",
    "ar_dr",
    MT_METRICS,
  ),
  benchTask(
    "darija_transliteration_all",
    "transliteration",
    "transliteration, both directions",
    undefined,
    MT_METRICS,
  ),
];

export const DARIJA_TRANSLITERATION_GROUP: TaskGroup = {
  name: "darija_transliteration",
  description: "DarijaBench transliteration Darija ⇄ Arabizi; BLEU, chrF, TER",
  tasks: DARIJA_TRANSLITERATION_TASKS.map((t) => t.name),
};

/** Our Darija request for a short summary, appended to the row's own instruction. */
export const SUMMARY_LENGTH_REQUEST = "كتب الملخص بالدارجة ف ٣٠ كلمة ولا أقل.";

export const DARIJA_SUMMARIZATION_TASK: GenerationTask = {
  name: "darija_summarization",
  version: 1,
  description:
    "DarijaBench MArSum summarization: ROUGE and chrF against the article title; judged with --judge",
  dataset: { path: BENCH, name: "default", split: "marsum" },
  outputType: "generate_until",
  prompt: (row) => ({
    kind: "chat",
    messages: [{ role: "user", content: `${messageContent(row, 0).trimEnd()}\n${SUMMARY_LENGTH_REQUEST}` }],
  }),
  references: (row) => [messageContent(row, 1)],
  generation: { maxTokens: 128, stop: GENERATION_STOPS },
  metrics: ["rouge1", "rouge2", "rougeL", "rougeLsum", "chrf"],
  promptDescription:
    "the row's user message + a Darija line asking for at most 30 words; reference messages[1] (title)",
  judge: {
    instruction: (row) => messageContent(row, 0),
    reference: (row) => messageContent(row, 1),
    criteria:
      "الملخص خاصو يكون مكتوب بالدارجة المغربية واضحة، بلا فصحى وبلا لغة أخرى؛ يكون قصير؛ ويعبر على المقال. ملخص مكتوب بالفصحى ما يتختارش أبدا.",
    required: false,
  },
};
