/**
 * `atlas eval`: runs the Atlas-Chat benchmark suite (or lm-eval YAML tasks) on an embedded model or an
 * OpenAI-compatible server; `atlas eval --list-tasks`; `atlas eval report` (eval-report.ts).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { AtlasError } from "../../core/index.js";
import {
  CACHE_FILE,
  embeddedEvalModel,
  loadLmEvalTask,
  markdownReport,
  openAiEvalModel,
  RequestCache,
  resolveTasks,
  RESULTS_FILE,
  runEvaluation,
  SUITE_TASK_NAMES,
  writeRun,
  type EvalModel,
  type EvalProgress,
} from "../../eval/index.js";
import { badArgument, parseCommandArgs, parsePositiveInt, type ParsedValues } from "../args.js";
import type { CliCommand } from "../command.js";
import { eprintln, printJson, println, type CliIO } from "../io.js";
import { LOAD_FLAGS, LOAD_FLAGS_HELP, loadOptionsFrom } from "../model-flags.js";
import { openModel } from "../open-model.js";
import { ProgressDisplay } from "../progress.js";
import { evalReportCommand } from "./eval-report.js";
import { listTasks } from "./eval-tasks.js";

const FLAGS = {
  ...LOAD_FLAGS,
  model: { type: "string", short: "m" },
  tasks: { type: "string" },
  "tasks-file": { type: "string", multiple: true },
  "list-tasks": { type: "boolean" },
  limit: { type: "string" },
  "num-fewshot": { type: "string" },
  backend: { type: "string" },
  judge: { type: "string" },
  "judge-model": { type: "string" },
  "data-dir": { type: "string" },
  output: { type: "string", short: "o" },
  resume: { type: "boolean" },
  concurrency: { type: "string" },
  sequences: { type: "string" },
  json: { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
} as const;

type Values = ParsedValues<typeof FLAGS>;

/** Opens a model named on the command line: `openai:<url>` (with a server model id) or an embedded one. */
async function openEvalModel(
  io: CliIO,
  values: Values,
  ref: string,
  backend: string,
  remoteModel: string | undefined,
): Promise<EvalModel> {
  const concurrency = parsePositiveInt("eval", "concurrency", values.concurrency);
  if (backend.startsWith("openai:")) {
    const baseUrl = backend.slice("openai:".length);
    if (!/^https?:\/\//.test(baseUrl))
      throw badArgument(
        "eval",
        `an OpenAI backend needs an http(s) URL, e.g. openai:http://127.0.0.1:8080/v1 (got '${backend}')`,
      );
    const apiKey = io.env["OPENAI_API_KEY"];
    return openAiEvalModel({
      baseUrl,
      model: remoteModel ?? ref,
      ...(apiKey === undefined ? {} : { apiKey }),
      ...(concurrency === undefined ? {} : { concurrency }),
    });
  }
  if (backend !== "embedded")
    throw badArgument("eval", `--backend must be embedded or openai:<base-url>, got '${backend}'`);
  const sequences = parsePositiveInt("eval", "sequences", values.sequences) ?? 4;
  const model = await openModel(
    io,
    ref,
    { ...loadOptionsFrom("eval", values), sequences, batchInvariant: true },
    values.verbose === true,
  );
  return embeddedEvalModel(model, { name: ref, ...(concurrency === undefined ? {} : { concurrency }) });
}

function gitHash(): string | null {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return null;
  }
}

function progressReporter(io: CliIO): { update: (e: EvalProgress) => void; clear: () => void } {
  const display = new ProgressDisplay(io);
  const state = { model: new Map<string, [number, number]>(), judge: new Map<string, [number, number]>() };
  return {
    update(e) {
      if (e.phase === "data")
        return display.update("data", { label: "loading data", done: 0, total: 0, detail: e.task });
      display.remove("data");
      const map = state[e.phase];
      map.set(e.task, [e.done, e.total]);
      let done = 0;
      let total = 0;
      for (const [d, t] of map.values()) {
        done += d;
        total += t;
      }
      display.update(e.phase, {
        label: e.phase === "model" ? "requests" : "judge",
        done,
        total,
        detail: e.task,
      });
    },
    clear: () => display.clear(),
  };
}

async function runEval(io: CliIO, values: Values): Promise<number> {
  const imported = await Promise.all((values["tasks-file"] ?? []).map(loadLmEvalTask));
  const names =
    values.tasks !== undefined
      ? values.tasks
          .split(",")
          .map((t) => t.trim())
          .filter((t) => t !== "")
      : imported.length > 0
        ? imported.map((t) => t.name)
        : [...SUITE_TASK_NAMES];
  const { tasks, groups } = resolveTasks(names, imported);
  const ref = values.model;
  if (ref === undefined)
    throw badArgument("eval", "--model is required (a model reference, or the server's model id)");
  const limit = parsePositiveInt("eval", "limit", values.limit);
  const fewshotRaw = values["num-fewshot"];
  const numFewshot = fewshotRaw === undefined ? 0 : Number(fewshotRaw);
  if (!Number.isInteger(numFewshot) || numFewshot < 0)
    throw badArgument("eval", `--num-fewshot must be a whole number ≥ 0, got '${fewshotRaw}'`);
  const output = values.output ?? join("runs", `${basename(ref).replace(/[^A-Za-z0-9._-]+/g, "-")}`);
  const cachePath = join(output, CACHE_FILE);
  if (values.resume !== true && (existsSync(join(output, RESULTS_FILE)) || existsSync(cachePath)))
    throw new AtlasError("BAD_ARGUMENT", `${output} already holds a run`, {
      where: "atlas eval",
      hint: "pass --resume to continue it (finished requests are reused), or choose another --output",
    });
  const backend = values.backend ?? "embedded";
  const model = await openEvalModel(io, values, ref, backend, undefined);
  let judge: EvalModel | undefined;
  const cache = new RequestCache(cachePath);
  const progress = progressReporter(io);
  try {
    if (values.judge !== undefined) {
      const judgeBackend = values.judge.startsWith("openai:") ? values.judge : "embedded";
      if (judgeBackend !== "embedded" && values["judge-model"] === undefined)
        throw badArgument("eval", "a judge on a server needs its model id: --judge-model ID");
      judge =
        values.judge === ref && backend === "embedded"
          ? model
          : await openEvalModel(io, values, values.judge, judgeBackend, values["judge-model"]);
    }
    const result = await runEvaluation({
      model,
      tasks,
      groups,
      ...(judge === undefined ? {} : { judge }),
      ...(limit === undefined ? {} : { limit }),
      numFewshot,
      data: { env: io.env, ...(values["data-dir"] === undefined ? {} : { dataDir: values["data-dir"] }) },
      cache,
      signal: io.signal,
      onProgress: progress.update,
      config: { tasks: names, argv: process.argv.slice(2), data_dir: values["data-dir"] ?? null },
      gitHash: gitHash(),
    });
    progress.clear();
    await writeRun(output, result);
    if (values.json === true) printJson(io, result.results);
    else {
      println(io, markdownReport(result.results));
      eprintln(
        io,
        `results: ${join(output, RESULTS_FILE)} (${result.results.atlas_stats["computed"]} computed, ${result.results.atlas_stats["cached"]} from the cache)`,
      );
    }
    return 0;
  } finally {
    progress.clear();
    cache.close();
    if (judge !== undefined && judge !== model) await judge.close();
    await model.close();
  }
}

export const evalCommand: CliCommand = {
  name: "eval",
  summary: "run the Atlas-Chat benchmark suite (DarijaMMLU, DarijaBench …) and report",
  help: `Usage: atlas eval --model REF [--tasks a,b,…] [options]
       atlas eval --list-tasks [--json]
       atlas eval report RUN_DIR [--compare-card 2b|9b|27b]

Runs the model card's benchmarks zero-shot, as its lm-evaluation-harness fork defines them:
multiple choice by log-likelihood (acc, acc_norm), generation greedy (BLEU, chrF, TER as
sacreBLEU; ROUGE as rouge_score), judged tasks by a pairwise LLM judge. Writes RUN_DIR/results.json
(lm-evaluation-harness layout), samples_<task>.jsonl and a request cache (requests.sqlite).

Options:
  -m, --model REF          the model: a GGUF, a checkpoint folder, atlas-chat:2b … (embedded), or the
                           server's model id (with --backend openai:…)
  --tasks a,b,…            tasks or groups (default: the whole suite; see --list-tasks)
  --tasks-file FILE        an lm-evaluation-harness YAML task file; repeatable
  --limit N                only the first N rows of each task
  --num-fewshot N          few-shot examples for multiple-choice tasks (default 0, like the card)
  --backend B              embedded (default) or openai:<base-url>, e.g. openai:http://127.0.0.1:8080/v1
  --concurrency N          requests in flight (default 2 × sequences embedded, 4 remote)
  --sequences N            embedded: engine sequences decoded together (default 4)
  --judge REF              judge for darija_alpacaeval / darija_summarization: a model, or openai:<base-url>
  --judge-model ID         the judge server's model id (with --judge openai:…)
  --data-dir DIR           read DIR/<dataset id>/<config>/<split>.jsonl|.parquet instead of the hub
  -o, --output DIR         run folder (default runs/<model name>)
  --resume                 continue a run in --output: finished requests are not redone
  --json                   print results.json instead of the tables
  -v, --verbose            load details

${LOAD_FLAGS_HELP}

Examples:
  atlas eval --model atlas-chat:2b --tasks darija_mmlu,belebele_ary --limit 100
  atlas eval --model atlas-chat:9b --judge atlas-chat:27b -o runs/9b
  atlas eval --model atlas --backend openai:http://127.0.0.1:8080/v1 --tasks darija_translation
  atlas eval --model model.gguf --tasks-file my_task.yaml --data-dir ./data
  atlas eval report runs/9b --compare-card 9b`,
  async run(argv, io) {
    if (argv[0] === "report") return evalReportCommand.run(argv.slice(1), io);
    const { values, positionals } = parseCommandArgs("eval", argv, FLAGS);
    if (positionals.length > 0)
      throw badArgument("eval", `unexpected argument '${positionals[0]}' (use --model)`);
    if (values["list-tasks"] === true) return listTasks(io, values.json === true);
    return runEval(io, values);
  },
};
