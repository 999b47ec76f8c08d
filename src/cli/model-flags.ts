/**
 * Flags shared by every command that loads a model (`run`, `chat`, `serve`, the Darija task commands):
 * where to run it and how to sample. Parsed into the library's option objects.
 */
import type { AtlasLoadOptions } from "../api/index.js";
import {
  AtlasError,
  isAtlasError,
  parseGenerateOption,
  validateGenerateOptions,
  type GenerateOptions,
} from "../core/index.js";
import { validateLoadOptions, type LoraAdapter } from "../engine/index.js";
import { badArgument, type ParsedValues } from "./args.js";

/** Loading flags (for parseCommandArgs). */
export const LOAD_FLAGS = {
  gpu: { type: "string" },
  "gpu-layers": { type: "string" },
  "ctx-size": { type: "string" },
  threads: { type: "string" },
  "threads-batch": { type: "string" },
  "thread-poll": { type: "string" },
  mlock: { type: "boolean" },
  "batch-invariant": { type: "boolean" },
  lora: { type: "string", multiple: true },
  quant: { type: "string" },
} as const;

/** Sampling flags. */
export const SAMPLING_FLAGS = {
  temperature: { type: "string" },
  "top-k": { type: "string" },
  "top-p": { type: "string" },
  "min-p": { type: "string" },
  "repeat-penalty": { type: "string" },
  "repeat-last-n": { type: "string" },
  seed: { type: "string" },
  "max-tokens": { type: "string" },
  stop: { type: "string", multiple: true },
} as const;

/** Everything a command that streams a model's reply takes: loading, sampling, output. */
export const REPLY_FLAGS = {
  ...LOAD_FLAGS,
  ...SAMPLING_FLAGS,
  verbose: { type: "boolean", short: "v" },
  bidi: { type: "string" },
} as const;

/** Help text for the flags above. */
export const LOAD_FLAGS_HELP = `Model options:
  --gpu auto|cpu|cuda|vulkan|metal   compute backend (default auto: a GPU if usable, else CPU)
  --gpu-layers N|max                 layers to offload to the GPU (default max)
  --ctx-size N                       context window in tokens (default min(model's, 4096))
  --threads N                        CPU threads (default: number of cores)
  --threads-batch N                  CPU threads for prompt evaluation (default: --threads)
  --thread-poll 0-100                how long idle llama.cpp threads spin (default 0: they sleep)
  --mlock                            keep the weights locked in RAM (never paged out)
  --batch-invariant                  results that depend only on the request (slower; docs/engine.md)
  --lora FILE[:SCALE]                apply a LoRA adapter (GGUF); repeatable
  --quant TYPE                       quantization for hub models / checkpoint folders (default q4_k_m)`;

export const SAMPLING_FLAGS_HELP = `Sampling options:
  --temperature T      0–10; 0 = greedy, deterministic (default 0.8)
  --top-k K            (default 40; 0 = off)      --top-p P   (default 0.95; 1 = off)
  --min-p P            (default 0.05; 0 = off)    --repeat-penalty R (default 1 = off)
  --repeat-last-n N    tokens the penalty looks at (default 64)
  --seed N             sampling seed (default random)
  --max-tokens N       stop after N new tokens (default: until the model stops or the context is full)
  --stop TEXT          stop before TEXT; repeatable`;

/** The request contract's field names as flags, so errors name the flag the user typed. */
export const SAMPLING_FLAG_NAMES = {
  temperature: "--temperature",
  topK: "--top-k",
  topP: "--top-p",
  minP: "--min-p",
  repeatPenalty: "--repeat-penalty",
  repeatLastN: "--repeat-last-n",
  seed: "--seed",
  maxTokens: "--max-tokens",
  stop: "--stop",
} as const satisfies Partial<Record<keyof GenerateOptions, string>>;

const LOAD_FLAG_NAMES = {
  gpu: "--gpu",
  gpuLayers: "--gpu-layers",
  contextSize: "--ctx-size",
  threads: "--threads",
  threadsBatch: "--threads-batch",
  threadPoll: "--thread-poll",
  lora: "--lora",
} as const;

/** A number flag as typed (NaN for text that is not a number: the contract then names the flag). */
function numeric(raw: string): number {
  return raw.trim() === "" ? Number.NaN : Number(raw);
}

/** `--lora path[:scale]` → adapter. The scale is the text after the last colon when it is a number. */
export function parseLora(command: string, raw: string): LoraAdapter {
  const at = raw.lastIndexOf(":");
  if (at > 0) {
    const scale = Number(raw.slice(at + 1));
    if (raw.slice(at + 1).trim() !== "" && Number.isFinite(scale)) return { path: raw.slice(0, at), scale };
  }
  if (raw.trim() === "") throw badArgument(command, "--lora needs a file path");
  return { path: raw };
}

/** Rewrites a contract error so it points at the command's help. */
function asFlagError(command: string, error: unknown): never {
  if (isAtlasError(error, "BAD_ARGUMENT"))
    throw new AtlasError("BAD_ARGUMENT", error.message, {
      where: `atlas ${command}`,
      hint: `see \`atlas ${command} --help\``,
      details: error.details,
    });
  throw error;
}

/** Loading flags → options of loadModel, checked against the engine's load-option ranges. */
export function loadOptionsFrom(command: string, values: ParsedValues<typeof LOAD_FLAGS>): AtlasLoadOptions {
  const options: Record<string, unknown> = {};
  if (values.gpu !== undefined) options.gpu = values.gpu;
  const layers = values["gpu-layers"];
  if (layers !== undefined) options.gpuLayers = layers === "max" ? "max" : numeric(layers);
  if (values["ctx-size"] !== undefined) options.contextSize = numeric(values["ctx-size"]);
  if (values.threads !== undefined) options.threads = numeric(values.threads);
  if (values["threads-batch"] !== undefined) options.threadsBatch = numeric(values["threads-batch"]);
  if (values["thread-poll"] !== undefined) options.threadPoll = numeric(values["thread-poll"]);
  if (values.mlock === true) options.mlock = true;
  if (values["batch-invariant"] === true) options.batchInvariant = true;
  if (values.lora !== undefined) options.lora = values.lora.map((l) => parseLora(command, l));
  let checked: AtlasLoadOptions;
  try {
    checked = validateLoadOptions(options, { names: LOAD_FLAG_NAMES });
  } catch (error) {
    asFlagError(command, error);
  }
  if (values.quant !== undefined) checked.quant = values.quant;
  return checked;
}

/** Sampling flags → GenerateOptions (only what was given; the engine applies its defaults). */
export function generateOptionsFrom(
  command: string,
  values: ParsedValues<typeof SAMPLING_FLAGS>,
): GenerateOptions {
  const options: GenerateOptions = {};
  const flags: [keyof typeof SAMPLING_FLAG_NAMES, string | undefined][] = [
    ["temperature", values.temperature],
    ["topK", values["top-k"]],
    ["topP", values["top-p"]],
    ["minP", values["min-p"]],
    ["repeatPenalty", values["repeat-penalty"]],
    ["repeatLastN", values["repeat-last-n"]],
    ["seed", values.seed],
    ["maxTokens", values["max-tokens"]],
  ];
  try {
    for (const [field, raw] of flags) {
      if (raw !== undefined)
        (options as Record<string, unknown>)[field] = parseGenerateOption(field, raw, {
          names: SAMPLING_FLAG_NAMES,
        });
    }
    if (values.stop !== undefined)
      options.stop = validateGenerateOptions({ stop: values.stop }, { names: SAMPLING_FLAG_NAMES }).stop!;
  } catch (error) {
    asFlagError(command, error);
  }
  return options;
}
