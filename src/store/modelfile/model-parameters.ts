/**
 * Ollama's model parameters (a Modelfile's `PARAMETER` lines, `/api/create`'s `parameters`): their types as
 * Ollama's `Options` struct has them, how a text value is typed (Ollama's `FormatParams`: `invalid float
 * value [x]`), which ones atlas supports, and what each means in the request contract (src/core/request.ts)
 * or the engine's load options. Parameters atlas does not implement are refused by name, so a created
 * model never silently behaves differently from what its Modelfile says.
 */
import {
  AtlasError,
  REQUEST_LIMITS,
  validateGenerateOptions,
  type GenerateOptions,
} from "../../core/index.js";

/** A parameter's value as stored (Ollama's JSON types). */
export type ModelParameterValue = number | boolean | string[];
/** Parameters by Ollama name, in the order they were first given. */
export type ModelParameters = Record<string, ModelParameterValue>;

type Kind = "int" | "float" | "bool" | "strings";

/** Every parameter of Ollama's `Options` (api/types.go) and its type. */
const OLLAMA_PARAMETERS: Readonly<Record<string, Kind>> = {
  num_ctx: "int",
  num_batch: "int",
  num_gpu: "int",
  main_gpu: "int",
  use_mmap: "bool",
  num_thread: "int",
  draft_num_predict: "int",
  num_keep: "int",
  seed: "int",
  num_predict: "int",
  top_k: "int",
  top_p: "float",
  min_p: "float",
  typical_p: "float",
  repeat_last_n: "int",
  temperature: "float",
  repeat_penalty: "float",
  presence_penalty: "float",
  frequency_penalty: "float",
  stop: "strings",
};

/** Parameters Ollama still parses but ignores with "parameter X is deprecated" (parser.go). */
export const DEPRECATED_PARAMETERS: readonly string[] = [
  "penalize_newline",
  "low_vram",
  "f16_kv",
  "logits_all",
  "vocab_only",
  "use_mlock",
  "mirostat",
  "mirostat_tau",
  "mirostat_eta",
];

/** Sampling parameters → the request contract's fields. */
const SAMPLING: Readonly<Record<string, keyof GenerateOptions>> = {
  temperature: "temperature",
  top_k: "topK",
  top_p: "topP",
  min_p: "minP",
  typical_p: "typicalP",
  seed: "seed",
  num_predict: "maxTokens",
  repeat_penalty: "repeatPenalty",
  repeat_last_n: "repeatLastN",
  presence_penalty: "presencePenalty",
  frequency_penalty: "frequencyPenalty",
  stop: "stop",
};

/** Load-time parameters → the engine's load options (the flag a user would type instead). */
const LOAD: Readonly<Record<string, { field: keyof ModelLoadDefaults; flag: string }>> = {
  num_ctx: { field: "contextSize", flag: "--ctx-size" },
  num_batch: { field: "batchSize", flag: "batch size" },
  num_gpu: { field: "gpuLayers", flag: "--gpu-layers" },
  num_thread: { field: "threads", flag: "--threads" },
};

/** Parameters we accept only at the value that means "off", and why the others are refused. */
const NEUTRAL: Readonly<Record<string, { value: number | boolean; why: string }>> = {
  use_mmap: { value: true, why: "llama.cpp always maps the model file here" },
};

/** Parameters atlas refuses whatever their value, and why. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  main_gpu: "atlas runs a model on one GPU (pick the backend with --gpu)",
  draft_num_predict: "atlas has no speculative decoding",
  num_keep:
    "atlas does not shift the context: a conversation longer than the context is refused or truncated before it starts",
};

/** Contract field → Ollama's name (messages about a parameter use the name the user wrote). */
const NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SAMPLING).map(([name, field]) => [field, name]),
);

/** The load options a created model's parameters set (the caller's own options win). */
export interface ModelLoadDefaults {
  contextSize?: number;
  batchSize?: number;
  gpuLayers?: number;
  threads?: number;
}

/** What a model's parameters mean for a request and a load. */
export interface ModelParameterOptions {
  /** Sampling and stopping defaults (a request's own options win, field by field). */
  generate: GenerateOptions;
  load: ModelLoadDefaults;
  /** `repeat_last_n -1`: the penalties look back over the whole context. */
  repeatLastNWholeContext: boolean;
}

function parameterError(name: string, message: string, where: string | undefined, hint?: string): AtlasError {
  return new AtlasError("BAD_ARGUMENT", message, {
    ...(where === undefined ? {} : { where }),
    ...(hint === undefined ? {} : { hint }),
    details: { field: `parameters.${name}` },
  });
}

const INT = /^[+-]?[0-9]+$/;
const FLOAT = /^[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan)$/i;
const TRUE = ["1", "t", "T", "TRUE", "true", "True"];
const FALSE = ["0", "f", "F", "FALSE", "false", "False"];

/**
 * Types one `PARAMETER <name> <value>` as Ollama's FormatParams does (Go's ParseInt / ParseFloat /
 * ParseBool); `stop` is a list the caller appends to. Undefined for a deprecated parameter (ignored,
 * with a warning through `onWarning`).
 * @throws AtlasError BAD_ARGUMENT `unknown parameter 'x'` or `invalid int value [x]` (Ollama's words)
 */
export function parseParameterText(
  name: string,
  text: string,
  options: { where?: string | undefined; onWarning?: ((message: string) => void) | undefined } = {},
): ModelParameterValue | undefined {
  if (DEPRECATED_PARAMETERS.includes(name)) {
    options.onWarning?.(`parameter ${name} is deprecated and ignored (as Ollama ignores it)`);
    return undefined;
  }
  const kind = OLLAMA_PARAMETERS[name];
  if (kind === undefined)
    throw parameterError(
      name,
      `unknown parameter '${name}'`,
      options.where,
      `known parameters: ${Object.keys(OLLAMA_PARAMETERS).join(", ")}`,
    );
  const invalid = (type: string): never => {
    throw parameterError(name, `invalid ${type} value [${text}] for parameter ${name}`, options.where);
  };
  switch (kind) {
    case "int":
      if (!INT.test(text)) invalid("int");
      return Number(text);
    case "float":
      if (!FLOAT.test(text)) invalid("float");
      return Number(text.replace(/^([+-]?)inf(?:inity)?$/i, "$1Infinity").replace(/^[+-]?nan$/i, "NaN"));
    case "bool":
      if (TRUE.includes(text)) return true;
      if (FALSE.includes(text)) return false;
      return invalid("bool");
    case "strings":
      return [text];
  }
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return typeof value === "string" ? "text" : `a ${typeof value}`;
}

/**
 * Checks parameters given as JSON (`/api/create`'s `parameters`, a stored model's): known names, Ollama's
 * types (an int field truncates a float, as Ollama does), `stop` as text or a list of texts; then what
 * atlas supports, by name. Returns them typed, deprecated ones dropped.
 * @throws AtlasError BAD_ARGUMENT naming the parameter
 */
export function checkModelParameters(
  raw: Readonly<Record<string, unknown>>,
  options: { where?: string | undefined; onWarning?: ((message: string) => void) | undefined } = {},
): ModelParameters {
  const out: ModelParameters = {};
  const where = options.where;
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || value === null) continue;
    if (DEPRECATED_PARAMETERS.includes(name)) {
      options.onWarning?.(`parameter ${name} is deprecated and ignored (as Ollama ignores it)`);
      continue;
    }
    const kind = OLLAMA_PARAMETERS[name];
    if (kind === undefined)
      throw parameterError(
        name,
        `unknown parameter '${name}'`,
        where,
        `known parameters: ${Object.keys(OLLAMA_PARAMETERS).join(", ")}`,
      );
    const wrong = (type: string): never => {
      throw parameterError(name, `parameter ${name} must be ${type}, got ${typeName(value)}`, where);
    };
    if (kind === "strings") {
      const list = typeof value === "string" ? [value] : value;
      if (!Array.isArray(list) || !list.every((s) => typeof s === "string")) wrong("text or a list of texts");
      out[name] = [...(list as string[])];
    } else if (kind === "bool") {
      if (typeof value !== "boolean") wrong("true or false");
      out[name] = value as boolean;
    } else {
      if (typeof value !== "number") wrong("a number");
      out[name] = kind === "int" ? Math.trunc(value as number) : (value as number);
    }
  }
  modelParameterOptions(out, { where });
  return out;
}

/**
 * What `parameters` mean for atlas: sampling defaults in the request contract's fields, load defaults,
 * and the "whole context" repeat window. This is also where unsupported parameters are refused.
 * @throws AtlasError BAD_ARGUMENT naming the parameter (its range, or why atlas does not support it)
 */
export function modelParameterOptions(
  parameters: Readonly<ModelParameters>,
  options: { where?: string | undefined } = {},
): ModelParameterOptions {
  const where = options.where;
  const generate: Record<string, unknown> = {};
  const load: ModelLoadDefaults = {};
  let repeatLastNWholeContext = false;
  for (const [name, value] of Object.entries(parameters)) {
    const why = UNSUPPORTED[name];
    if (why !== undefined)
      throw parameterError(name, `parameter ${name} is not supported: ${why}`, where, "remove it");
    const neutral = NEUTRAL[name];
    if (neutral !== undefined) {
      if (value !== neutral.value)
        throw parameterError(
          name,
          `parameter ${name} ${String(value)} is not supported: ${neutral.why}`,
          where,
          `remove it (only ${String(neutral.value)}, which changes nothing, is accepted)`,
        );
      continue;
    }
    const loadField = LOAD[name];
    if (loadField !== undefined) {
      const n = value as number;
      // Ollama's "let the runtime decide" values.
      if ((name === "num_gpu" && n < 0) || (name === "num_thread" && n === 0)) continue;
      if (!Number.isInteger(n) || n < (name === "num_gpu" ? 0 : 1))
        throw parameterError(
          name,
          `parameter ${name} must be a whole number ≥ ${name === "num_gpu" ? 0 : 1}, got ${n}`,
          where,
        );
      load[loadField.field] = n;
      continue;
    }
    const field = SAMPLING[name];
    if (field === undefined) throw parameterError(name, `unknown parameter '${name}'`, where);
    const n = value as number;
    if (name === "seed" && n < 0) continue; // -1: a random seed, Ollama's default
    if (name === "num_predict" && n < 0) {
      if (n !== -1 && n !== -2)
        throw parameterError(name, "parameter num_predict must be ≥ 0, or -1 for no limit", where);
      continue;
    }
    if (name === "repeat_last_n" && n === -1) {
      repeatLastNWholeContext = true;
      continue;
    }
    generate[field] = value;
  }
  const stop = generate["stop"] as string[] | undefined;
  if (stop !== undefined && stop.length > REQUEST_LIMITS.maxStops)
    throw parameterError(
      "stop",
      `${stop.length} stop parameters; at most ${REQUEST_LIMITS.maxStops}`,
      where,
      "keep the stop strings the model needs",
    );
  let checked: GenerateOptions;
  try {
    checked = validateGenerateOptions(generate, { names: NAMES });
  } catch (error) {
    if (error instanceof AtlasError && error.details.field !== undefined) {
      const name = NAMES[error.details.field] ?? error.details.field;
      throw new AtlasError("BAD_ARGUMENT", `parameter ${error.message}`, {
        ...(where === undefined ? {} : { where }),
        details: { field: `parameters.${name}` },
        cause: error,
      });
    }
    throw error;
  }
  return { generate: checked, load, repeatLastNWholeContext };
}

/** The parameter names atlas accepts (with any value in range), for help texts. */
export const SUPPORTED_PARAMETERS: readonly string[] = [
  ...Object.keys(SAMPLING),
  ...Object.keys(LOAD),
  ...Object.keys(NEUTRAL),
];
