/**
 * DarijaAlpacaEval (MBZUAI-Paris/DarijaAlpacaEval, split `test`): instructions adapted to Moroccan
 * culture; the model's answer is judged pairwise against the reference answer in the data (the paper's
 * baseline was jais-13b-chat), twice with positions swapped. Reads `instruction` (else `prompt`, else
 * `messages[0]`) and the reference from `output` (else `reference`, `answer`, `messages[1]`).
 */
import { firstTextOf } from "./row-fields.js";
import { GENERATION_STOPS } from "./darija-bench-generation.js";
import type { GenerationTask } from "./task-types.js";

const instruction = (row: Record<string, unknown>): string => firstTextOf(row, ["instruction", "prompt"], 0);
const reference = (row: Record<string, unknown>): string =>
  firstTextOf(row, ["output", "reference", "answer", "baseline"], 1);

export const DARIJA_ALPACAEVAL_TASK: GenerationTask = {
  name: "darija_alpacaeval",
  version: 1,
  description: "DarijaAlpacaEval: win rate against the reference answers, judged by --judge",
  dataset: { path: "MBZUAI-Paris/DarijaAlpacaEval", name: "default", split: "test" },
  outputType: "generate_until",
  prompt: (row) => ({ kind: "chat", messages: [{ role: "user", content: instruction(row) }] }),
  references: (row) => [reference(row)],
  generation: { maxTokens: 512, stop: GENERATION_STOPS },
  metrics: ["win_rate"],
  promptDescription: "the instruction as the user message; judged against the reference answer",
  judge: {
    instruction,
    reference,
    criteria:
      "الجواب خاصو يكون مناسب للثقافة المغربية؛ مكتوب بدارجة مغربية سليمة وطبيعية؛ ويجاوب على الطلب بالضبط.",
    required: true,
  },
};
