/**
 * The evaluator: metrics (sacreBLEU-exact BLEU/chrF/TER, rouge_score ROUGE, lm-eval accuracy, judged win
 * rate), datasets (local jsonl/parquet, hub parquet into the HF cache), declarative tasks (the Atlas-Chat
 * card's suite and lm-eval YAML imports), the runner over an `EvalModel` (embedded engine or an
 * OpenAI-compatible server) with an SQLite request cache, and reports.
 */
export * from "./metrics/accuracy.js";
export * from "./metrics/bleu.js";
export * from "./metrics/bootstrap.js";
export * from "./metrics/chrf.js";
export * from "./metrics/registry.js";
export * from "./metrics/rouge.js";
export * from "./metrics/sacrebleu-tokenizers.js";
export * from "./metrics/ter.js";
export * from "./metrics/win-rate.js";
export * from "./data/dataset-ref.js";
export * from "./data/download-dataset-split.js";
export * from "./data/load-dataset.js";
export * from "./data/read-rows.js";
export * from "./tasks/task-types.js";
export * from "./tasks/registry.js";
export * from "./tasks/lm-eval-yaml.js";
export * from "./runner/eval-model.js";
export * from "./runner/embedded-model.js";
export * from "./runner/request-cache.js";
export * from "./runner/run-evaluation.js";
export * from "./runner/results-layout.js";
export * from "./remote/openai-eval-model.js";
export * from "./report/card-numbers.js";
export * from "./report/markdown-report.js";
export * from "./report/svg-chart.js";
export * from "./report/write-run.js";
