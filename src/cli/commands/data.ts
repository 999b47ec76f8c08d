/** `atlas data build|stats`: training data for fine-tuning (docs/tune.md). */
import { badArgument } from "../args.js";
import type { CliCommand } from "../command.js";
import { DATA_BUILD_HELP, runDataBuild } from "./data-build.js";
import { DATA_STATS_HELP, runDataStats } from "./data-stats.js";

export const dataCommand: CliCommand = {
  name: "data",
  summary: "build tokenized, assistant-masked SFT data for TRL/axolotl (data build), inspect it (data stats)",
  help: `${DATA_BUILD_HELP}\n\n${DATA_STATS_HELP}`,
  run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === "build") return runDataBuild(rest, io);
    if (sub === "stats") return runDataStats(rest, io);
    return Promise.reject(
      badArgument(
        "data",
        sub === undefined
          ? "give a subcommand: build or stats"
          : `unknown subcommand '${sub}' (build or stats)`,
      ),
    );
  },
};
