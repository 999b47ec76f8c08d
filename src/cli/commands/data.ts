/** `atlas data build|stats`: training data for fine-tuning (docs/tune.md). */
import { pickSubcommand } from "../args.js";
import type { CliCommand } from "../command.js";
import { DATA_BUILD_HELP, runDataBuild } from "./data-build.js";
import { DATA_STATS_HELP, runDataStats } from "./data-stats.js";

export const dataCommand: CliCommand = {
  name: "data",
  summary: "build tokenized, assistant-masked SFT data for TRL/axolotl (data build), inspect it (data stats)",
  help: `${DATA_BUILD_HELP}\n\n${DATA_STATS_HELP}`,
  async run(argv, io) {
    const [run, rest] = pickSubcommand("data", argv, { build: runDataBuild, stats: runDataStats });
    return run(rest, io);
  },
};
