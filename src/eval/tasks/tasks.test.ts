import { describe, expect, it } from "vitest";
import { BELEBELE_ARY_TASK } from "./belebele-ary.js";
import { DARIJA_SUMMARIZATION_TASK, DARIJA_TRANSLATION_TASKS } from "./darija-bench-generation.js";
import { DARIJA_HELLASWAG_TASK } from "./darija-hellaswag.js";
import { DARIJA_MMLU_GROUP, DARIJA_MMLU_SUBJECTS, darijaMmluPrompt } from "./darija-mmlu.js";
import { DARIJA_SENTIMENT_TASKS, sentimentPrompt } from "./darija-sentiment.js";
import { BUILTIN_TASKS, resolveTasks, SUITE_TASK_NAMES } from "./registry.js";

const bench = (user: string, reply: string, direction = ""): Record<string, unknown> => ({
  direction,
  messages: [
    { role: "user", content: user },
    { role: "assistant", content: reply },
  ],
});

describe("built-in tasks", () => {
  it("has the 44 DarijaMMLU subjects in one size-weighted group and unique task names", () => {
    expect(DARIJA_MMLU_SUBJECTS).toHaveLength(44);
    expect(DARIJA_MMLU_GROUP.aggregate).toContain("acc");
    expect(new Set(BUILTIN_TASKS.map((t) => t.name)).size).toBe(BUILTIN_TASKS.length);
    expect(resolveTasks(SUITE_TASK_NAMES).tasks.length).toBe(BUILTIN_TASKS.length);
  });

  it("DarijaMMLU: header with the subject, optional context, lettered options, answer cue", () => {
    const row = {
      question: " شنو؟ ",
      context: "نص",
      choices: ["أ", "ب", "ج"],
      subject_darija: "المحاسبة",
      answer: 2,
    };
    expect(darijaMmluPrompt(row)).toBe(
      "هادا سؤال ديال الاختيارات (مع الجواب ديالو) على المحاسبة.\n\nنص\n\nشنو؟\nA. أ\nB. ب\nC. ج\nالجواب:",
    );
    expect(darijaMmluPrompt({ ...row, context: "" })).toContain("المحاسبة.\n\nشنو؟\nA.");
  });

  it("HellaSwag: '<label>: <ctx>' with endings as continuations", () => {
    const row = { activity_label: "الطياب", ctx: "كتحط الطاجين", endings: ["a", "b", "c", "d"], label: "2" };
    expect(DARIJA_HELLASWAG_TASK.text(row)).toBe("الطياب: كتحط الطاجين");
    expect(DARIJA_HELLASWAG_TASK.target(row)).toBe(2);
  });

  it("Belebele: 1-based answer numbers become 0-based letters", () => {
    const row = {
      flores_passage: "p",
      question: " q ",
      mc_answer1: "a",
      mc_answer2: "b",
      mc_answer3: "c",
      mc_answer4: "d",
      correct_answer_num: "4",
    };
    expect(BELEBELE_ARY_TASK.text(row)).toBe("النص: p\nالسؤال: q\nA: a\nB: b\nC: c\nD: d\nالجواب:");
    expect(BELEBELE_ARY_TASK.target(row)).toBe(3);
  });

  it("sentiment: bullets become A negative, B positive, C neutral, target from the reference", () => {
    const row = bench("شنو الإحساس؟\nزوين بزاف\n- إيجابي\n- محايد\n- سلبي\n", "إيجابي");
    expect(sentimentPrompt(row)).toBe(
      "شنو الإحساس؟\nزوين بزاف\nA. سلبي\nB. إيجابي\nC. محايد\nجاوب غير بحرف واحد: A، B ولا C.\nالجواب:",
    );
    const task = DARIJA_SENTIMENT_TASKS[0]!;
    expect(task.choices(row)).toEqual(["A", "B", "C"]);
    expect(task.target(row)).toBe(1);
    expect(task.target(bench("x\n- positive\n- negative", "Negative"))).toBe(0);
  });

  it("translation filters directions; summarization asks for 30 words", () => {
    const drEn = DARIJA_TRANSLATION_TASKS.find((t) => t.name === "darija_translation_doda_dr_en")!;
    expect(drEn.keep?.(bench("a", "b", "dr_en"))).toBe(true);
    expect(drEn.keep?.(bench("a", "b", "en_dr"))).toBe(false);
    expect(DARIJA_TRANSLATION_TASKS.filter((t) => t.dataset.split === "madar").map((t) => t.name)).toEqual([
      "darija_translation_madar_dr_msa",
      "darija_translation_madar_msa_dr",
      "darija_translation_madar_all",
    ]);
    const prompt = DARIJA_SUMMARIZATION_TASK.prompt(bench("لخص هاد النص:\nمقال", "عنوان"));
    expect(prompt).toEqual({
      kind: "chat",
      messages: [{ role: "user", content: "لخص هاد النص:\nمقال\nكتب الملخص بالدارجة ف ٣٠ كلمة ولا أقل." }],
    });
    expect(DARIJA_SUMMARIZATION_TASK.generation.maxTokens).toBe(128);
  });
});
