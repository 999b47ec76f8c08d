import { TRANSLATE_TARGETS, translatePrompt, type TranslateTarget } from "../../templates/index.js";
import { badArgument } from "../args.js";
import type { CliCommand } from "../command.js";
import { parseTask, runGenerationTask, TASK_FLAGS, TASK_FLAGS_HELP } from "../task-runner.js";

const FLAGS = { ...TASK_FLAGS, to: { type: "string" } } as const;

export const translateCommand: CliCommand = {
  name: "translate",
  summary: "translate between Darija, Modern Standard Arabic, English and French",
  help: `Usage: atlas translate --to darija|msa|en|fr [text…] [options]

Translates the text (arguments, or stdin) with a Darija instruction ("ترجم هاد النص للدارجة المغربية:").

Options:
  --to LANG            darija | msa (Modern Standard Arabic) | en | fr   (required)
${TASK_FLAGS_HELP}

Examples:
  atlas translate --to darija "The weather is nice today, let's go to the beach."
  echo "واش كاين شي طوبيس للرباط؟" | atlas translate --to fr
  atlas translate --to en -m atlas-chat:9b --json "شحال هادي ما شفتك"`,
  async run(argv, io) {
    const { values, text } = await parseTask("translate", argv, io, FLAGS);
    const to = values.to;
    if (to === undefined || !TRANSLATE_TARGETS.includes(to as TranslateTarget)) {
      throw badArgument(
        "translate",
        `--to must be one of ${TRANSLATE_TARGETS.join(", ")}${to === undefined ? "" : `, got '${to}'`}`,
      );
    }
    return runGenerationTask("translate", io, values, translatePrompt(text, to as TranslateTarget), { to });
  },
};
