/** `atlas eval report RUN_DIR [--compare-card 2b|9b|27b]`: the card-style markdown table and an SVG chart. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ioError } from "../../core/index.js";
import { CARD_SIZES, markdownReport, readRunResults, svgChart, type CardSize } from "../../eval/index.js";
import { badArgument, parseCommandArgs } from "../args.js";
import type { CliCommand } from "../command.js";
import { eprintln, println } from "../io.js";

const FLAGS = { "compare-card": { type: "string" }, svg: { type: "string" } } as const;

export const evalReportCommand: CliCommand = {
  name: "eval report",
  summary: "a run's scores as the model card's tables, with an SVG chart",
  help: `Usage: atlas eval report RUN_DIR [--compare-card 2b|9b|27b] [--svg FILE]

Prints a markdown report of an \`atlas eval\` run folder laid out like the Atlas-Chat model card's
tables (general benchmarks, DarijaBench), then every metric. With --compare-card the card's
published numbers for that size stand beside the run's (cells the notes have no figure for stay
empty). Writes RUN_DIR/report.md and an SVG bar chart (RUN_DIR/report.svg, or --svg FILE).

Examples:
  atlas eval report runs/atlas-2b
  atlas eval report runs/atlas-9b --compare-card 9b --svg chart.svg`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("eval report", argv, FLAGS);
    const dir = positionals[0];
    if (dir === undefined || positionals.length > 1) throw badArgument("eval report", "give one run folder");
    const size = values["compare-card"];
    if (size !== undefined && !(CARD_SIZES as readonly string[]).includes(size))
      throw badArgument(
        "eval report",
        `--compare-card must be one of ${CARD_SIZES.join(", ")}, got '${size}'`,
      );
    const results = await readRunResults(dir);
    const card = size as CardSize | undefined;
    const markdown = markdownReport(results, card);
    const svgPath = values.svg ?? join(dir, "report.svg");
    for (const [path, text] of [
      [join(dir, "report.md"), markdown],
      [svgPath, svgChart(results, card)],
    ] as const) {
      await writeFile(path, text, "utf8").catch((error: unknown) => {
        throw ioError("cannot write", path, error);
      });
    }
    println(io, markdown);
    eprintln(io, `wrote ${join(dir, "report.md")} and ${svgPath}`);
    return 0;
  },
};
