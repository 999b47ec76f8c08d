import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadLmEvalTask } from "./lm-eval-yaml.js";
import { parseListLiteral } from "./python-literal.js";
import { scratchDir } from "../../../test/hub/fixtures.js";

let dir: string;

beforeAll(async () => {
  dir = await scratchDir("yaml");
  await writeFile(
    join(dir, "_base_yaml"),
    [
      "dataset_path: facebook/belebele",
      "test_split: test",
      "output_type: multiple_choice",
      'doc_to_choice: ["A", "B", "C", "D"]',
      "doc_to_target: \"{{['1', '2', '3', '4'].index(correct_answer_num)}}\"",
      "metric_list:",
      "  - metric: acc",
      "    aggregation: mean",
      "    higher_is_better: true",
      "  - metric: acc_norm",
      "metadata:",
      "  version: 0.0",
    ].join("\n"),
  );
  await writeFile(
    join(dir, "belebele_test.yaml"),
    [
      "include: _base_yaml",
      "task: my_belebele",
      "dataset_name: ary_Arab",
      'doc_to_text: "P: {{flores_passage}}\\nQ: {{question.strip()}}\\nA: {{mc_answer1}}\\nAnswer:"',
      'doc_to_target: "{{correct_answer_num|int - 1}}"',
      "metadata:",
      "  version: 2",
    ].join("\n"),
  );
  await writeFile(
    join(dir, "gen.yaml"),
    [
      "task: my_translation",
      "dataset_path: MBZUAI-Paris/DarijaBench",
      "test_split: doda",
      "output_type: generate_until",
      "doc_to_text: \"{{messages[0]['content']}}\"",
      "doc_to_target: \"{{messages[1]['content']}}\"",
      "generation_kwargs:",
      '  until: ["<end_of_turn>"]',
      "  max_gen_toks: 64",
      "  do_sample: false",
      "metric_list:",
      "  - metric: bleu",
      "  - metric: chrf",
    ].join("\n"),
  );
  await writeFile(
    join(dir, "hook.yaml"),
    "task: t\ndataset_path: a/b\ntest_split: test\ndoc_to_text: !function utils.doc_to_text\n",
  );
  await writeFile(
    join(dir, "choices.yaml"),
    'task: c\ndataset_path: a/b\ntest_split: test\noutput_type: multiple_choice\ndoc_to_text: q\ndoc_to_choice: "{{[mc_answer1, mc_answer2]}}"\ndoc_to_target: "{{mc_answer2}}"\n',
  );
});

describe("lm-eval YAML tasks", () => {
  const row = {
    flores_passage: "نص",
    question: "  سؤال  ",
    mc_answer1: "x",
    mc_answer2: "y'z",
    correct_answer_num: "3",
  };

  it("imports a multiple-choice task with include, Jinja fields and metric_list", async () => {
    const task = await loadLmEvalTask(join(dir, "belebele_test.yaml"));
    expect(task).toMatchObject({
      name: "my_belebele",
      version: 2,
      outputType: "multiple_choice",
      metrics: ["acc", "acc_norm"],
      dataset: { path: "facebook/belebele", name: "ary_Arab", split: "test" },
    });
    if (task.outputType !== "multiple_choice") throw new Error("wrong type");
    expect(task.text(row)).toBe("P: نص\nQ: سؤال\nA: x\nAnswer:");
    expect(task.choices(row)).toEqual(["A", "B", "C", "D"]);
    expect(task.target(row)).toBe(2);
  });

  it("reads choices rendered as a list and a target given as the choice text", async () => {
    const task = await loadLmEvalTask(join(dir, "choices.yaml"));
    if (task.outputType !== "multiple_choice") throw new Error("wrong type");
    expect(task.choices(row)).toEqual(["x", "y'z"]);
    expect(task.target(row)).toBe(1);
    expect(task.text({ q: "the question" })).toBe("the question");
  });

  it("imports a generation task with its stop strings and token limit", async () => {
    const task = await loadLmEvalTask(join(dir, "gen.yaml"));
    if (task.outputType !== "generate_until") throw new Error("wrong type");
    const doc = {
      messages: [
        { content: "ترجم: salam", role: "user" },
        { content: "hello", role: "assistant" },
      ],
    };
    expect(task.prompt(doc)).toEqual({ kind: "text", text: "ترجم: salam" });
    expect(task.references(doc)).toEqual(["hello"]);
    expect(task.generation).toEqual({ maxTokens: 64, stop: ["<end_of_turn>"] });
    expect(task.metrics).toEqual(["bleu", "chrf"]);
  });

  it("refuses Python hooks by name", async () => {
    await expect(loadLmEvalTask(join(dir, "hook.yaml"))).rejects.toThrow(/!function utils.doc_to_text/);
  });
});

describe("list literals", () => {
  it("parses JSON and Python list literals", () => {
    expect(parseListLiteral('["a", "b"]', "x")).toEqual(["a", "b"]);
    expect(parseListLiteral("['a', \"b'c\", 3, 'd\\'e']", "x")).toEqual(["a", "b'c", 3, "d'e"]);
    expect(() => parseListLiteral("a, b", "x")).toThrow(/did not render a list/);
  });
});
