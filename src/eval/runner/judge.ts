/**
 * Pairwise LLM-as-judge (paper App. C.3/C.5, our own Darija prompt): the judge sees the request and two
 * answers labelled A and B and replies with one letter. Each pair is judged twice, the model's answer
 * first as A, then as B; a pair counts only when both verdicts agree (see win-rate.ts). Greedy decoding,
 * so verdicts are reproducible and cacheable.
 */
import type { DatasetRow } from "../data/dataset-ref.js";
import type { JudgeSpec } from "../tasks/task-types.js";
import type { GenerationRequest } from "./eval-model.js";

/** The judge's prompt for one ordering. */
export function judgePrompt(spec: JudgeSpec, row: DatasetRow, answerA: string, answerB: string): string {
  return [
    "نتا حكم. غادي تقارن بين جوج أجوبة على نفس الطلب وتختار الأحسن.",
    `المعايير: ${spec.criteria}`,
    "",
    "الطلب:",
    spec.instruction(row).trim(),
    "",
    "الجواب A:",
    answerA.trim(),
    "",
    "الجواب B:",
    answerB.trim(),
    "",
    "شكون هو الجواب الأحسن؟ جاوب غير بحرف واحد: A ولا B.",
  ].join("\n");
}

/** The two judge requests of a pair: [model as A, model as B]. */
export function judgeRequests(
  spec: JudgeSpec,
  row: DatasetRow,
  modelAnswer: string,
): [GenerationRequest, GenerationRequest] {
  const reference = spec.reference(row);
  const request = (a: string, b: string): GenerationRequest => ({
    kind: "generate",
    prompt: { kind: "chat", messages: [{ role: "user", content: judgePrompt(spec, row, a, b) }] },
    options: { temperature: 0, maxTokens: 8 },
  });
  return [request(modelAnswer, reference), request(reference, modelAnswer)];
}

/** The letter a judge's reply names: the first standalone A or B; undefined when there is none. */
export function parseVerdict(reply: string): "A" | "B" | undefined {
  const match = /(?:^|[^A-Za-z])([AB])(?![A-Za-z])/.exec(reply.trim());
  return match?.[1] === "A" || match?.[1] === "B" ? match[1] : undefined;
}
