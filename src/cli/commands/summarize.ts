import { summarizePrompt } from "../../templates/index.js";
import type { CliCommand } from "../command.js";
import { parseTask, runGenerationTask, TASK_FLAGS, TASK_FLAGS_HELP } from "../task-runner.js";

export const summarizeCommand: CliCommand = {
  name: "summarize",
  summary: "summarize a text in Darija",
  help: `Usage: atlas summarize [text…] [options]

Summarizes the text (arguments, or stdin) in two or three Darija sentences.

${TASK_FLAGS_HELP}

Examples:
  atlas summarize < article.txt
  curl -s https://example.ma/article.txt | atlas summarize -m atlas-chat:9b --max-tokens 128`,
  async run(argv, io) {
    const { values, text } = await parseTask("summarize", argv, io, TASK_FLAGS);
    return runGenerationTask("summarize", io, values, summarizePrompt(text), {});
  },
};
