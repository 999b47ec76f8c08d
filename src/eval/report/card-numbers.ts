/**
 * The model card's published scores (Atlas-Chat model cards, as recorded in shared/notes/eval.md §6),
 * and where each lives in a run's results.json. Only figures the notes hold are here: the notes give the
 * 9B card's numbers and none for 2B or 27B, so those columns stay empty rather than invented.
 */

/** Card sizes `--compare-card` accepts. */
export const CARD_SIZES = ["2b", "9b", "27b"] as const;
export type CardSize = (typeof CARD_SIZES)[number];

/** One column of the card's tables and how to read it from results.json. */
export interface CardColumn {
  key: string;
  /** Header as the card writes it. */
  label: string;
  /** Which table of the card: the general benchmarks or DarijaBench. */
  table: "general" | "darijabench";
  /** results.json section, task/group, metric key, and a factor to the card's 0–100 scale. */
  source: { section: "results" | "groups"; task: string; metric: string; scale: number };
}

const pct = (section: "results" | "groups", task: string, metric: string): CardColumn["source"] => ({
  section,
  task,
  metric,
  scale: 100,
});
const raw = (task: string, metric: string): CardColumn["source"] => ({
  section: "results",
  task,
  metric,
  scale: 1,
});

/** The card's columns, in its order. */
export const CARD_COLUMNS: readonly CardColumn[] = [
  {
    key: "darija_mmlu",
    label: "DarijaMMLU",
    table: "general",
    source: pct("groups", "darija_mmlu", "acc,none"),
  },
  {
    key: "darija_hellaswag",
    label: "DarijaHellaSwag",
    table: "general",
    source: pct("results", "darija_hellaswag", "acc_norm,none"),
  },
  {
    key: "belebele_ary",
    label: "Belebele Ary_Arab",
    table: "general",
    source: pct("results", "belebele_ary", "acc,none"),
  },
  {
    key: "darija_alpacaeval",
    label: "DarijaAlpacaEval",
    table: "general",
    source: raw("darija_alpacaeval", "win_rate,strip"),
  },
  {
    key: "sentiment",
    label: "Sentiment Analysis",
    table: "darijabench",
    source: pct("groups", "darija_sentiment", "acc,none"),
  },
  {
    key: "doda_bleu",
    label: "DODa BLEU",
    table: "darijabench",
    source: raw("darija_translation_doda_all", "bleu,strip"),
  },
  {
    key: "doda_chrf",
    label: "DODa chrF",
    table: "darijabench",
    source: raw("darija_translation_doda_all", "chrf,strip"),
  },
  {
    key: "madar_bleu",
    label: "MADAR BLEU",
    table: "darijabench",
    source: raw("darija_translation_madar_all", "bleu,strip"),
  },
  {
    key: "madar_chrf",
    label: "MADAR chrF",
    table: "darijabench",
    source: raw("darija_translation_madar_all", "chrf,strip"),
  },
  {
    key: "flores_bleu",
    label: "FLORES+ BLEU",
    table: "darijabench",
    source: raw("darija_translation_flores_all", "bleu,strip"),
  },
  {
    key: "flores_chrf",
    label: "FLORES+ chrF",
    table: "darijabench",
    source: raw("darija_translation_flores_all", "chrf,strip"),
  },
  {
    key: "seed_bleu",
    label: "NLLB-Seed BLEU",
    table: "darijabench",
    source: raw("darija_translation_seed_all", "bleu,strip"),
  },
  {
    key: "seed_chrf",
    label: "NLLB-Seed chrF",
    table: "darijabench",
    source: raw("darija_translation_seed_all", "chrf,strip"),
  },
  {
    key: "translit_bleu",
    label: "Transliteration BLEU",
    table: "darijabench",
    source: raw("darija_transliteration_all", "bleu,strip"),
  },
  {
    key: "translit_chrf",
    label: "Transliteration chrF",
    table: "darijabench",
    source: raw("darija_transliteration_all", "chrf,strip"),
  },
  {
    key: "marsum_judge",
    label: "MArSum LLM-judge",
    table: "darijabench",
    source: raw("darija_summarization", "win_rate,strip"),
  },
];

/** Published numbers per card size; a missing key means the notes have no figure for it. */
export const CARD_NUMBERS: Readonly<Record<CardSize, Readonly<Record<string, number>>>> = {
  "2b": {},
  "9b": {
    darija_mmlu: 58.23,
    darija_hellaswag: 43.65,
    belebele_ary: 74.56,
    darija_alpacaeval: 95.62,
    sentiment: 81.89,
    doda_bleu: 28.08,
    doda_chrf: 50.48,
    madar_bleu: 18.16,
    madar_chrf: 43.91,
    flores_bleu: 18.63,
    flores_chrf: 47.53,
    seed_bleu: 29.98,
    seed_chrf: 58.26,
    translit_bleu: 22.08,
    translit_chrf: 34.17,
    marsum_judge: 59.76,
  },
  "27b": {},
};
