import { SENTIMENT_LABELS, sentimentPrompt } from "../../templates/index.js";
import type { CliCommand } from "../command.js";
import { printJson, println } from "../io.js";
import { openTaskModel, parseTask, TASK_FLAGS, TASK_FLAGS_HELP } from "../task-runner.js";

export const sentimentCommand: CliCommand = {
  name: "sentiment",
  summary: "classify a text as positive, negative or neutral",
  help: `Usage: atlas sentiment [text…] [options]

Asks the model (in Darija) for the sentiment and scores the three answer words
(إيجابي / سلبي / محايد) by log-likelihood — nothing is parsed out of free text.
Prints positive, negative or neutral; --json adds each label's probability.

${TASK_FLAGS_HELP}

Examples:
  atlas sentiment "الماتش كان زوين بزاف، فرحت بزاف"
  atlas sentiment --json "had l-khedma 3yat, ma3jbatnich"`,
  async run(argv, io) {
    const { values, text } = await parseTask("sentiment", argv, io, TASK_FLAGS);
    const model = await openTaskModel("sentiment", io, values);
    try {
      const context = model.applyChatTemplate([{ role: "user", content: sentimentPrompt(text) }]);
      // The rendered template already starts with BOS: do not add a second one.
      const scores = await model.loglikelihoods(
        context,
        SENTIMENT_LABELS.map((l) => l.darija),
        { addBos: false, signal: io.signal },
      );
      const max = Math.max(...scores.map((s) => s.logprob));
      const weights = scores.map((s) => Math.exp(s.logprob - max));
      const total = weights.reduce((a, b) => a + b, 0);
      const ranked = SENTIMENT_LABELS.map((l, i) => ({
        label: l.label,
        darija: l.darija,
        logprob: scores[i]!.logprob,
        probability: weights[i]! / total,
      }));
      const best = ranked.reduce((a, b) => (b.logprob > a.logprob ? b : a));
      if (values.json === true) {
        printJson(io, {
          label: best.label,
          scores: Object.fromEntries(ranked.map((r) => [r.label, r.probability])),
          logprobs: Object.fromEntries(ranked.map((r) => [r.label, r.logprob])),
        });
      } else {
        println(io, best.label);
      }
      return 0;
    } finally {
      await model.dispose();
    }
  },
};
