/**
 * Generated evaluation datasets with the hub datasets' real schemas (never real data): DarijaMMLU (every
 * subject config), DarijaHellaSwag, Belebele ary_Arab, DarijaBench (all eleven splits), DarijaAlpacaEval —
 * laid out as `--data-dir` expects, as jsonl or parquet.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { DARIJA_MMLU_SUBJECTS } from "../../src/eval/tasks/darija-mmlu.js";
import { writeParquet, type ParquetColumn } from "./parquet-fixture.js";

const WORDS = [
  "salam",
  "labas",
  "bzaf",
  "mzyan",
  "daba",
  "ghda",
  "lyoum",
  "dar",
  "khobz",
  "atay",
  "zwin",
  "sahbi",
];
const AR = [
  "واش",
  "كاين",
  "بزاف",
  "مزيان",
  "دابا",
  "غدا",
  "الدار",
  "الخبز",
  "أتاي",
  "زوين",
  "صاحبي",
  "المغرب",
];

function pick<T>(list: readonly T[], i: number): T {
  return list[((i % list.length) + list.length) % list.length]!;
}

function phrase(list: readonly string[], seed: number, length: number): string {
  return Array.from({ length }, (_, k) => pick(list, seed * 7 + k * 3)).join(" ");
}

async function writeRows(
  path: string,
  rows: Record<string, unknown>[],
  columns: readonly ParquetColumn[] | "jsonl",
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  if (columns === "jsonl") await writeFile(path, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  else await writeParquet(path, rows, columns);
}

const messages = (user: string, reply: string): { content: string; role: string }[] => [
  { content: user, role: "user" },
  { content: reply, role: "assistant" },
];

const BENCH_COLUMNS: ParquetColumn[] = [
  { name: "dataset", type: "string" },
  { name: "id", type: "string" },
  { name: "direction", type: "string" },
  { name: "messages", type: "messages" },
];

const SENTIMENT_LABELS = ["إيجابي", "سلبي", "محايد"];

/** Writes every fixture dataset under `dir`; `rows` rows per split (per subject for DarijaMMLU). */
export async function writeEvalFixtures(dir: string, rows = 3): Promise<void> {
  const range = Array.from({ length: rows }, (_, i) => i);
  for (const [s, subject] of DARIJA_MMLU_SUBJECTS.entries()) {
    for (const split of ["test", "dev"]) {
      await writeRows(
        join(dir, "MBZUAI-Paris/DarijaMMLU", subject, `${split}.jsonl`),
        range.map((i) => ({
          question: `${phrase(AR, s + i, 4)}؟`,
          context: i % 2 === 0 ? "" : phrase(AR, s * 3 + i, 5),
          choices: Array.from({ length: 2 + ((s + i) % 4) }, (_, c) => phrase(AR, s + i + c, 2)),
          answer: (s + i) % 2,
          subject,
          subject_darija: phrase(AR, s, 2),
          source: s < 23 ? "mmlu" : "arabic_mmlu",
        })),
        "jsonl",
      );
    }
  }
  const hellaswag = (split: string): Record<string, unknown>[] =>
    range.map((i) => ({
      ind: i,
      activity_label: phrase(AR, i, 2),
      ctx: phrase(AR, i + 5, 6),
      endings: [0, 1, 2, 3].map((e) => phrase(AR, i + e, 2 + e)),
      source_id: `fixture-${i}`,
      split,
      split_type: "indomain",
      label: String(i % 4),
    }));
  for (const split of ["validation", "train"])
    await writeRows(join(dir, "MBZUAI-Paris/DarijaHellaSwag/default", `${split}.parquet`), hellaswag(split), [
      { name: "ind", type: "int64" },
      { name: "activity_label", type: "string" },
      { name: "ctx", type: "string" },
      { name: "endings", type: "string-list" },
      { name: "source_id", type: "string" },
      { name: "split", type: "string" },
      { name: "split_type", type: "string" },
      { name: "label", type: "string" },
    ]);
  await writeRows(
    join(dir, "facebook/belebele/ary_Arab/test.parquet"),
    range.map((i) => ({
      link: `https://example.org/${i}`,
      question_number: i + 1,
      flores_passage: phrase(AR, i, 12),
      question: ` ${phrase(AR, i + 2, 4)}؟ `,
      mc_answer1: phrase(AR, i, 2),
      mc_answer2: phrase(AR, i + 1, 2),
      mc_answer3: phrase(AR, i + 2, 2),
      mc_answer4: phrase(AR, i + 3, 2),
      correct_answer_num: String((i % 4) + 1),
      dialect: "ary_Arab",
      ds: "2023-01-01",
    })),
    [
      { name: "link", type: "string" },
      { name: "question_number", type: "int64" },
      { name: "flores_passage", type: "string" },
      { name: "question", type: "string" },
      ...[1, 2, 3, 4].map((k): ParquetColumn => ({ name: `mc_answer${k}`, type: "string" })),
      { name: "correct_answer_num", type: "string" },
      { name: "dialect", type: "string" },
      { name: "ds", type: "string" },
    ],
  );
  const bench = async (split: string, make: (i: number) => Record<string, unknown>): Promise<void> =>
    writeRows(
      join(dir, "MBZUAI-Paris/DarijaBench/default", `${split}.parquet`),
      range.map(make),
      BENCH_COLUMNS,
    );
  const directions: Record<string, string[]> = {
    doda: ["dr_en", "dr_fr", "dr_msa", "en_dr", "fr_dr", "msa_dr"],
    flores_plus: ["dr_en", "dr_fr", "dr_msa", "en_dr", "fr_dr", "msa_dr"],
    madar: ["dr_msa", "msa_dr"],
    seed: ["dr_en", "en_dr"],
    transliteration: ["dr_ar", "ar_dr"],
  };
  for (const [split, dirs] of Object.entries(directions)) {
    const all = range.flatMap((i) => dirs.map((d) => ({ i, d })));
    await writeRows(
      join(dir, "MBZUAI-Paris/DarijaBench/default", `${split}.parquet`),
      all.map(({ i, d }, k) => ({
        dataset: split,
        id: `${split}-${k}`,
        direction: d,
        messages: messages(`ترجم هاد الجملة (${d}):\n${phrase(AR, i + k, 5)}`, phrase(WORDS, i + k, 5)),
      })),
      BENCH_COLUMNS,
    );
  }
  await bench("marsum", (i) => ({
    dataset: "marsum",
    id: `marsum-${i}`,
    direction: "",
    messages: messages(`لخص هاد المقال:\n${phrase(AR, i, 20)}`, `${phrase(AR, i, 4)} ${phrase(WORDS, i, 2)}`),
  }));
  for (const [k, [split, classes]] of (
    [
      ["mac", 3],
      ["msda", 3],
      ["myc", 2],
      ["msac", 2],
      ["electro_maroc", 2],
    ] as const
  ).entries()) {
    await bench(split, (i) => {
      const labels = SENTIMENT_LABELS.slice(0, classes);
      return {
        dataset: split,
        id: `${split}-${i}`,
        direction: "",
        messages: messages(
          `شنو هو الإحساس ديال هاد الجملة؟\n${phrase(AR, i + 5 * k, 6 + k)} 😀\nالاختيارات:\n${labels.map((l) => `- ${l}`).join("\n")}`,
          pick(labels, i),
        ),
      };
    });
  }
  await writeRows(
    join(dir, "MBZUAI-Paris/DarijaAlpacaEval/default/test.jsonl"),
    range.map((i) => ({ instruction: `${phrase(AR, i, 5)}؟`, output: phrase(AR, i + 1, 8) })),
    "jsonl",
  );
}
