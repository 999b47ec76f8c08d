/** `atlas data stats DIR`: the stats of a build, checked against its shards. */
import { readSftStats } from "../../tune/index.js";
import { badArgument, parseCommandArgs } from "../args.js";
import { printJson, println, type CliIO } from "../io.js";
import { buildSummary } from "./data-build.js";

/** Usage of `atlas data stats`, for `atlas data --help`. */
export const DATA_STATS_HELP = `Usage: atlas data stats DIR [--json]

Prints what an \`atlas data build\` output holds — rows read, kept, dropped (by reason) and truncated,
per source; tokens and trained tokens; the length distribution; the splits — after checking that every
shard stats.json lists is there with the recorded number of rows.

Examples:
  atlas data stats sft/
  atlas data stats sft/ --json | jq '.sources'`;

const BAR_WIDTH = 40;

/** Runs `atlas data stats`. */
export async function runDataStats(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("data stats", argv, { json: { type: "boolean" } });
  if (positionals.length !== 1) throw badArgument("data stats", "give one build folder");
  const { stats, files } = await readSftStats(positionals[0]!);
  if (values.json === true) {
    printJson(io, { ...stats, check: files });
    return 0;
  }
  println(
    io,
    `${stats.dataset} (${stats.format}) for ${stats.model}: max-len ${stats.maxLen} (${stats.policy}), ${stats.packed ? "packed" : "unpacked"}, seed ${stats.seed}, val ${stats.valFraction}`,
  );
  for (const text of buildSummary(stats)) println(io, text);
  println(io, "");
  println(io, "sources:");
  const width = Math.max(6, ...Object.keys(stats.sources).map((s) => s.length));
  for (const [name, c] of Object.entries(stats.sources)) {
    const dropped = c.rows - c.kept;
    println(
      io,
      `  ${name.padEnd(width)}  ${String(c.rows).padStart(8)} rows  ${String(c.kept).padStart(8)} kept  ${String(dropped).padStart(6)} dropped  ${String(c.truncated).padStart(6)} truncated  ${String(c.tokens).padStart(10)} tokens`,
    );
  }
  println(io, "");
  println(io, "lengths (tokens, before the length policy):");
  const top = Math.max(1, ...stats.lengths.histogram.map((b) => b.count));
  for (const bin of stats.lengths.histogram)
    println(
      io,
      `  ${`${bin.from}–${bin.to - 1}`.padStart(13)}  ${"#".repeat(Math.round((bin.count / top) * BAR_WIDTH)).padEnd(BAR_WIDTH)}  ${bin.count}`,
    );
  println(io, "");
  for (const [name, check] of Object.entries(files))
    println(
      io,
      `${name}: ${check.recorded} rows recorded, ${check.parquet} in parquet, ${check.jsonl} in jsonl — ok`,
    );
  return 0;
}
