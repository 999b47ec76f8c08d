/**
 * `atlas eval report`: the run's scores laid out like the model card's two tables (general benchmarks,
 * DarijaBench), with the card's published numbers for a size side by side, and every task's metrics.
 */
import type { ResultsJson } from "../runner/results-layout.js";
import { CARD_COLUMNS, CARD_NUMBERS, type CardColumn, type CardSize } from "./card-numbers.js";

/** A card column's value in a run (0–100), or undefined when the run has no such score. */
export function runValue(results: ResultsJson, column: CardColumn): number | undefined {
  const { section, task, metric, scale } = column.source;
  const value = (section === "groups" ? results.groups : results.results)[task]?.[metric];
  return typeof value === "number" && Number.isFinite(value) ? value * scale : undefined;
}

const cell = (value: number | undefined): string => (value === undefined ? "" : value.toFixed(2));

function table(results: ResultsJson, which: CardColumn["table"], card: CardSize | undefined): string[] {
  const columns = CARD_COLUMNS.filter((c) => c.table === which);
  const rows = [
    `| Model | ${columns.map((c) => c.label).join(" | ")} |`,
    `|---|${columns.map(() => "---:").join("|")}|`,
  ];
  rows.push(
    `| ${results.model_name} (this run) | ${columns.map((c) => cell(runValue(results, c))).join(" | ")} |`,
  );
  if (card !== undefined)
    rows.push(
      `| Atlas-Chat-${card.toUpperCase()} (model card) | ${columns.map((c) => cell(CARD_NUMBERS[card][c.key])).join(" | ")} |`,
    );
  return rows;
}

function taskTable(results: ResultsJson): string[] {
  const rows = ["| Task | Metric | Value | Stderr |", "|---|---|---:|---:|"];
  for (const section of [results.groups, results.results])
    for (const [task, metrics] of Object.entries(section))
      for (const [key, value] of Object.entries(metrics)) {
        if (key === "alias" || key.includes("_stderr,") || typeof value !== "number") continue;
        const [metric, filter] = key.split(",");
        const stderr = metrics[`${metric}_stderr,${filter}`];
        rows.push(
          `| ${task} | ${metric} | ${value.toFixed(4)} | ${typeof stderr === "number" ? stderr.toFixed(4) : ""} |`,
        );
      }
  return rows;
}

/** The markdown report of a run. */
export function markdownReport(results: ResultsJson, card?: CardSize): string {
  const missing =
    card === undefined ? [] : CARD_COLUMNS.filter((c) => CARD_NUMBERS[card][c.key] === undefined);
  const said = (key: string): string => {
    const value = results.config[key];
    return typeof value === "string" || typeof value === "number" ? String(value) : "";
  };
  const lines = [
    `# Evaluation of ${results.model_name}`,
    "",
    `Backend ${said("backend")}, ${said("num_fewshot")}-shot` +
      `${said("limit") === "" ? "" : `, first ${said("limit")} rows per task`}` +
      `, ${results.total_evaluation_time_seconds} s. Accuracies and win rates in %, BLEU/chrF on sacreBLEU's 0–100 scale.`,
    "",
    "## Benchmarks",
    "",
    ...table(results, "general", card),
    "",
    "## DarijaBench",
    "",
    ...table(results, "darijabench", card),
    "",
  ];
  if (card !== undefined && missing.length > 0)
    lines.push(
      `Empty model-card cells: the notes this report draws on (shared/notes/eval.md) hold no published figure for ` +
        `Atlas-Chat-${card.toUpperCase()} ${missing.map((c) => c.label).join(", ")}; none is invented.`,
      "",
    );
  lines.push(
    "Empty cells of this run: the task was not run (or not judged).",
    "",
    "## All metrics",
    "",
    ...taskTable(results),
    "",
  );
  return lines.join("\n");
}
