/**
 * The README.md of a build: a Hugging Face dataset card whose `configs` front matter points at the
 * parquet shards, so `datasets.load_dataset("<out folder>")` (and therefore `trl sft --dataset_name
 * <out folder>`) loads the splits from parquet and ignores the jsonl copies.
 */
import type { SftStats } from "./build-stats.js";

/** The dataset card text for `stats`. */
export function datasetCard(stats: SftStats): string {
  const splits = Object.keys(stats.splits);
  const front = [
    "---",
    "configs:",
    "  - config_name: default",
    "    data_files:",
    ...splits.flatMap((s) => [`      - split: ${s}`, `        path: parquet/${s}-*.parquet`]),
    "---",
  ];
  const rows = splits.map((s) => {
    const split = stats.splits[s]!;
    return `| ${s} | ${split.rows} | ${split.samples} | ${split.tokens} | ${split.trainedTokens} |`;
  });
  return [
    ...front,
    "",
    `# ${stats.dataset} — tokenized for ${stats.model}`,
    "",
    `Built by \`atlas data build\`: rendered with the model's chat template, tokenized with its tokenizer,`,
    `labels masked to the assistant replies (\`-100\` elsewhere), max length ${stats.maxLen} (${stats.policy}),`,
    `${stats.packed ? "packed (position_ids restart per sample, seq_lengths lists them)" : "one sample per row"}, seed ${stats.seed}.`,
    "",
    `Columns: ${stats.columns.map((c) => `\`${c}\``).join(", ")}. The same rows are in \`jsonl/\`. Counts: \`stats.json\`.`,
    "",
    "| split | rows | samples | tokens | trained tokens |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}
