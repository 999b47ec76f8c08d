/**
 * Imports lm-evaluation-harness YAML task files (`--tasks-file`), so upstream task definitions run
 * unchanged: `task`, `dataset_path`, `dataset_name`, `test_split` (else `validation_split`),
 * `output_type` (multiple_choice, generate_until), `doc_to_text` / `doc_to_choice` / `doc_to_target`
 * (a column name, a literal, or a Jinja template rendered with @huggingface/jinja on the row),
 * `target_delimiter`, `fewshot_delimiter`, `generation_kwargs` (`until`, `max_gen_toks`), `metric_list`,
 * `metadata.version`, and `include` (merged underneath, as lm-eval does). Python hooks (`!function`,
 * `process_docs`, `process_results`) cannot run here and are refused by name.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { Template } from "@huggingface/jinja";
import { parse, type Tags } from "yaml";
import { AtlasError, errorMessage, ioError } from "../../core/index.js";
import type { DatasetRow } from "../data/dataset-ref.js";
import { getMetric } from "../metrics/registry.js";
import { parseListLiteral } from "./python-literal.js";
import type { TaskDefinition } from "./task-types.js";

/** Marks a `!function module.name` value (a Python hook). */
interface PythonHook {
  pythonFunction: string;
}

const TAGS: Tags = [
  { tag: "!function", resolve: (value: string): PythonHook => ({ pythonFunction: value }) },
];

const MAX_INCLUDES = 8;

async function readYaml(path: string, depth: number): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw ioError("cannot read the task file", path, error);
  }
  let doc: unknown;
  try {
    doc = parse(text, { customTags: TAGS });
  } catch (error) {
    throw new AtlasError("BAD_ARGUMENT", `not valid YAML (${errorMessage(error)})`, { where: path });
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    throw new AtlasError("BAD_ARGUMENT", "a task file must be a YAML mapping", { where: path });
  const fields = doc as Record<string, unknown>;
  if (typeof fields["include"] !== "string") return fields;
  if (depth >= MAX_INCLUDES)
    throw new AtlasError("BAD_ARGUMENT", "too many nested includes", { where: path });
  const base = await readYaml(resolve(dirname(path), fields["include"]), depth + 1);
  const { include: _include, ...own } = fields;
  return { ...base, ...own };
}

function isHook(value: unknown): value is PythonHook {
  return typeof value === "object" && value !== null && "pythonFunction" in value;
}

/** A field that is a column name, a literal, or a Jinja template, as lm-eval reads doc_to_* fields. */
function rowField(value: unknown, field: string, where: string): (row: DatasetRow) => unknown {
  if (isHook(value))
    throw new AtlasError("UNSUPPORTED", `${field} is a Python function (!function ${value.pythonFunction})`, {
      where,
      hint: "write it as a Jinja template over the row's columns",
    });
  if (typeof value !== "string") return () => value;
  const template = value.includes("{{") || value.includes("{%") ? new Template(value) : undefined;
  return (row) => {
    if (template === undefined) return value in row ? row[value] : value;
    try {
      return template.render(row);
    } catch (error) {
      throw new AtlasError("BAD_ARGUMENT", `${field} failed on a row (${errorMessage(error)})`, { where });
    }
  };
}

function asText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Reads one lm-eval YAML task file into a task. */
export async function loadLmEvalTask(path: string): Promise<TaskDefinition> {
  const where = resolve(path);
  const y = await readYaml(where, 0);
  const str = (key: string): string | undefined => (typeof y[key] === "string" ? y[key] : undefined);
  for (const hook of ["process_docs", "process_results"])
    if (y[hook] !== undefined)
      throw new AtlasError("UNSUPPORTED", `${hook} is a Python hook and cannot run here`, { where });
  const name = str("task");
  const datasetPath = str("dataset_path");
  const split = str("test_split") ?? str("validation_split");
  if (name === undefined || datasetPath === undefined || split === undefined)
    throw new AtlasError(
      "BAD_ARGUMENT",
      "a task file needs task, dataset_path and test_split (or validation_split)",
      {
        where,
      },
    );
  const metricList = Array.isArray(y["metric_list"]) ? (y["metric_list"] as { metric?: unknown }[]) : [];
  const metrics = metricList.map((m) => String(m.metric));
  metrics.forEach(getMetric);
  const metadata = y["metadata"] as { version?: unknown } | undefined;
  const version = typeof metadata?.version === "number" ? metadata.version : 0;
  const text = rowField(y["doc_to_text"] ?? "", "doc_to_text", where);
  const target = rowField(y["doc_to_target"], "doc_to_target", where);
  const base = {
    name,
    version,
    description: `${name} (from ${path})`,
    dataset: { path: datasetPath, name: str("dataset_name") ?? "default", split },
    promptDescription: `doc_to_text: ${asText(y["doc_to_text"])}`,
  };
  const outputType = str("output_type") ?? "generate_until";
  if (outputType === "multiple_choice") {
    const choices = rowField(y["doc_to_choice"], "doc_to_choice", where);
    const choiceList = (row: DatasetRow): string[] => {
      const value = choices(row);
      const list = Array.isArray(value) ? value : parseListLiteral(asText(value), where);
      return list.map(String);
    };
    return {
      ...base,
      outputType,
      metrics: metrics.length > 0 ? metrics : ["acc"],
      text: (row) => asText(text(row)),
      choices: choiceList,
      target: (row) => {
        const value = target(row);
        if (typeof value === "number") return value;
        const raw = asText(value).trim();
        if (/^\d+$/.test(raw)) return Number(raw);
        return choiceList(row).indexOf(raw);
      },
      targetDelimiter: str("target_delimiter") ?? " ",
      fewshotDelimiter: str("fewshot_delimiter") ?? "\n\n",
    };
  }
  if (outputType !== "generate_until")
    throw new AtlasError("UNSUPPORTED", `output_type '${outputType}' is not supported`, {
      where,
      hint: "use multiple_choice or generate_until",
    });
  const kwargs = (y["generation_kwargs"] ?? {}) as { until?: unknown; max_gen_toks?: unknown };
  const until = Array.isArray(kwargs.until)
    ? kwargs.until.map(String)
    : typeof kwargs.until === "string"
      ? [kwargs.until]
      : [];
  return {
    ...base,
    outputType: "generate_until",
    metrics: metrics.length > 0 ? metrics : ["exact_match"],
    prompt: (row) => ({ kind: "text", text: asText(text(row)) }),
    references: (row) => {
      const value = target(row);
      return Array.isArray(value) ? value.map(String) : [asText(value)];
    },
    generation: {
      maxTokens: typeof kwargs.max_gen_toks === "number" ? kwargs.max_gen_toks : 256,
      stop: until,
    },
  };
}
