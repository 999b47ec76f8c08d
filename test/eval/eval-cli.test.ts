/**
 * `atlas eval` end to end on a generated tiny model and generated fixture datasets: every task of the
 * card's suite through the embedded backend (with the same model as judge), the report, resume, an lm-eval
 * YAML task, and concurrent scoring equal to one-at-a-time scoring.
 */
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { ResultsJson } from "../../src/eval/index.js";
import { writeEvalFixtures } from "../helpers/eval-fixtures.js";
import { runCli } from "../helpers/run-cli.js";
import { tinyModel } from "../helpers/tiny-gguf.js";
import { scratchDir } from "../hub/fixtures.js";

let gguf: string;
let scratch: string;
let dataDir: string;
const FAST = ["--gpu", "cpu", "--threads", "2", "--ctx-size", "2048"];

async function results(dir: string): Promise<ResultsJson> {
  return JSON.parse(await readFile(join(dir, "results.json"), "utf8")) as ResultsJson;
}

beforeAll(async () => {
  gguf = await (await tinyModel()).gguf("f32");
  scratch = await scratchDir("eval-cli");
  dataDir = join(scratch, "data");
  await writeEvalFixtures(dataDir, 2);
});

describe("atlas eval", () => {
  it("runs every task of the suite with a judge, writes lm-eval results and samples, and resumes for free", async () => {
    const out = join(scratch, "suite");
    const argv = [
      "eval",
      "--model",
      gguf,
      "--judge",
      gguf,
      "--data-dir",
      dataDir,
      "-o",
      out,
      "--limit",
      "1",
      ...FAST,
    ];
    const first = await runCli(argv);
    expect(first.stderr).toMatch(/results: .*results\.json \([1-9]\d* computed, \d+ from the cache\)/);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      "| Model | DarijaMMLU | DarijaHellaSwag | Belebele Ary_Arab | DarijaAlpacaEval |",
    );
    const r = await results(out);
    for (const group of ["darija_mmlu", "darija_sentiment"])
      expect(r.groups[group]?.["acc,none"]).toBeTypeOf("number");
    expect(r.group_subtasks["darija_mmlu"]).toHaveLength(44);
    for (const [task, metric] of [
      ["darija_hellaswag", "acc_norm,none"],
      ["belebele_ary", "acc,none"],
      ["darija_translation_doda_all", "chrf,strip"],
      ["darija_translation_seed_en_dr", "bleu,strip"],
      ["darija_transliteration_dr_ar", "ter,strip"],
      ["darija_summarization", "rougeLsum,strip"],
      ["darija_summarization", "win_rate_inconsistent,strip"],
      ["darija_alpacaeval", "win_rate_invalid,strip"],
    ] as const)
      expect(r.results[task]?.[metric], `${task} ${metric}`).toBeTypeOf("number");
    expect(r.config["backend"]).toBe("embedded");
    expect(r.model_info["context_size"]).toBe(2048);
    expect(r["n-samples"]["darija_mmlu_accounting"]).toEqual({ original: 2, effective: 1 });
    const files = await readdir(out);
    expect(files).toContain("samples_belebele_ary.jsonl");
    expect(files).toContain("requests.sqlite");
    const sample = JSON.parse(
      (await readFile(join(out, "samples_darija_alpacaeval.jsonl"), "utf8")).split("\n")[0]!,
    ) as {
      metrics: { judge_replies: string[]; verdict: string };
    };
    expect(sample.metrics.judge_replies).toHaveLength(2);

    // A second run in the same folder needs --resume, and then recomputes nothing.
    expect((await runCli(argv)).code).toBe(2);
    const again = await runCli([...argv, "--resume"]);
    expect(again.code).toBe(0);
    expect((await results(out)).atlas_stats).toMatchObject({ computed: 0, judge_computed: 0 });
    expect((await results(out)).results).toEqual(r.results);

    const report = await runCli(["eval", "report", out, "--compare-card", "9b"]);
    expect(report.code).toBe(0);
    expect(report.stdout).toContain("| Atlas-Chat-9B (model card) | 58.23 | 43.65 | 74.56 | 95.62 |");
    const svg = await readFile(join(out, "report.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("DarijaMMLU");
    const two = await runCli(["eval", "report", out, "--compare-card", "2b"]);
    expect(two.stdout).toContain("hold no published figure for Atlas-Chat-2B");
  }, 300_000);

  it("scores many items at once exactly as one at a time, and generates the same text", async () => {
    const tasks = "belebele_ary,darija_hellaswag,darija_transliteration_all";
    const common = ["eval", "--model", gguf, "--tasks", tasks, "--data-dir", dataDir, ...FAST];
    expect(
      (await runCli([...common, "-o", join(scratch, "one"), "--sequences", "1", "--concurrency", "1"])).code,
    ).toBe(0);
    expect(
      (await runCli([...common, "-o", join(scratch, "many"), "--sequences", "4", "--concurrency", "8"])).code,
    ).toBe(0);
    // Eval loads the model batch-invariant: scores are bit-identical however many run at once.
    expect((await results(join(scratch, "many"))).model_info["batch_invariant"]).toBe(true);
    for (const task of ["belebele_ary", "darija_hellaswag", "darija_transliteration_all"]) {
      const read = async (dir: string) =>
        (await readFile(join(scratch, dir, `samples_${task}.jsonl`), "utf8"))
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as { resps: unknown[] });
      const one = await read("one");
      const many = await read("many");
      expect(many).toHaveLength(one.length);
      one.forEach((sample, i) => {
        const other = many[i]!;
        if (task.startsWith("darija_transliteration")) expect(other.resps).toEqual(sample.resps);
        else
          (sample.resps as [number, boolean][]).forEach(([ll], c) =>
            expect((other.resps[c] as [number, boolean])[0]).toBe(ll),
          );
      });
    }
  }, 300_000);

  it("runs an lm-eval YAML task file", async () => {
    const file = join(scratch, "task.yaml");
    await writeFile(
      file,
      [
        "task: yaml_belebele",
        "dataset_path: facebook/belebele",
        "dataset_name: ary_Arab",
        "test_split: test",
        "output_type: multiple_choice",
        'doc_to_text: "P: {{flores_passage}}\\nQ: {{question.strip()}}\\nAnswer:"',
        'doc_to_choice: "{{[mc_answer1, mc_answer2, mc_answer3, mc_answer4]}}"',
        'doc_to_target: "{{correct_answer_num|int - 1}}"',
        "metric_list:",
        "  - metric: acc",
        "  - metric: acc_norm",
      ].join("\n"),
    );
    const out = join(scratch, "yaml");
    const r = await runCli(
      ["eval", "--model", gguf, "--tasks-file", file, "--data-dir", dataDir, "-o", out, "--json", ...FAST],
      { stderrColumns: 120 },
    );
    expect(r.code).toBe(0);
    // On a terminal, progress bars with an ETA go to stderr (stdout stays the JSON).
    expect(r.stderr).toMatch(/requests\s.*\[#*\.*\].*\d+\/\d+.*ETA/);
    const parsed = JSON.parse(r.stdout) as ResultsJson;
    expect(Object.keys(parsed.results)).toEqual(["yaml_belebele"]);
    expect(parsed.results["yaml_belebele"]?.["acc_norm,none"]).toBeTypeOf("number");
    const sample = JSON.parse(
      (await readFile(join(out, "samples_yaml_belebele.jsonl"), "utf8")).split("\n")[0]!,
    ) as {
      arguments: { context: string; continuations: string[] };
    };
    expect(sample.arguments.context.startsWith("P: ")).toBe(true);
    expect(sample.arguments.continuations).toHaveLength(4);
  });

  it("lists tasks and explains bad input", async () => {
    const list = await runCli(["eval", "--list-tasks", "--json"]);
    const parsed = JSON.parse(list.stdout) as { tasks: { name: string }[] };
    expect(parsed.tasks.some((t) => t.name === "darija_mmlu_arabic_language_(general)")).toBe(true);
    const unknown = await runCli(["eval", "--model", gguf, "--tasks", "darija_mmluu", "--data-dir", dataDir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown task 'darija_mmluu'");
    const judged = await runCli([
      "eval",
      "--model",
      gguf,
      "--tasks",
      "darija_alpacaeval",
      "--data-dir",
      dataDir,
      "-o",
      join(scratch, "nojudge"),
      ...FAST,
    ]);
    expect(judged.code).toBe(2);
    expect(judged.stderr).toContain("--judge");
    const missing = await runCli([
      "eval",
      "--model",
      gguf,
      "--tasks",
      "belebele_ary",
      "--data-dir",
      join(scratch, "empty"),
      "-o",
      join(scratch, "missing"),
      ...FAST,
    ]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("facebook/belebele:ary_Arab/test is not in the data folder");
  });
});
