import {
  TRANSLITERATE_TARGETS,
  transliteratePrompt,
  type TransliterateTarget,
} from "../../templates/index.js";
import { badArgument } from "../args.js";
import type { CliCommand } from "../command.js";
import { parseTask, runGenerationTask, TASK_FLAGS, TASK_FLAGS_HELP } from "../task-runner.js";

const FLAGS = { ...TASK_FLAGS, to: { type: "string" } } as const;

export const transliterateCommand: CliCommand = {
  name: "transliterate",
  summary: "rewrite Darija between Arabic script and Arabizi (Latin letters + digits)",
  help: `Usage: atlas transliterate --to arabizi|arabic [text…] [options]

Rewrites Darija in the other script without translating it.

Options:
  --to SCRIPT          arabizi (Latin letters with 3, 7, 9 …) | arabic   (required)
${TASK_FLAGS_HELP}

Examples:
  atlas transliterate --to arabizi "واش نتا مزيان؟"
  atlas transliterate --to arabic "salam, labas 3lik?"`,
  async run(argv, io) {
    const { values, text } = await parseTask("transliterate", argv, io, FLAGS);
    const to = values.to;
    if (to === undefined || !TRANSLITERATE_TARGETS.includes(to as TransliterateTarget)) {
      throw badArgument(
        "transliterate",
        `--to must be one of ${TRANSLITERATE_TARGETS.join(", ")}${to === undefined ? "" : `, got '${to}'`}`,
      );
    }
    return runGenerationTask(
      "transliterate",
      io,
      values,
      transliteratePrompt(text, to as TransliterateTarget),
      { to },
    );
  },
};
