/**
 * Flags shared by every command that loads a model (`run`, `chat`, `serve`, the Darija task commands):
 * where to run it and how to sample. Parsed into the library's option objects.
 */
import type { AtlasLoadOptions } from "../api/index.js";
import type { GenerateOptions, GpuChoice, LoraAdapter } from "../engine/index.js";
import { badArgument, type ParsedValues } from "./args.js";

/** Loading flags (for parseCommandArgs). */
export const LOAD_FLAGS = {
  gpu: { type: "string" },
  "gpu-layers": { type: "string" },
  "ctx-size": { type: "string" },
  threads: { type: "string" },
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
  --lora FILE[:SCALE]                apply a LoRA adapter (GGUF); repeatable
  --quant TYPE                       quantization for hub models / checkpoint folders (default q4_k_m)`;

export const SAMPLING_FLAGS_HELP = `Sampling options:
  --temperature T      0 = greedy, deterministic (default 0.8)
  --top-k K            (default 40; 0 = off)      --top-p P   (default 0.95; 1 = off)
  --min-p P            (default 0.05; 0 = off)    --repeat-penalty R (default 1 = off)
  --repeat-last-n N    tokens the penalty looks at (default 64)
  --seed N             sampling seed (default random)
  --max-tokens N       stop after N new tokens (default: until the model stops or the context is full)
  --stop TEXT          stop before TEXT; repeatable`;

const GPU_CHOICES: readonly GpuChoice[] = ["auto", "cpu", "cuda", "vulkan", "metal"];

function number(
  command: string,
  flag: string,
  raw: string | undefined,
  check: (n: number) => boolean,
  what: string,
): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || !check(value))
    throw badArgument(command, `--${flag} must be ${what}, got '${raw}'`);
  return value;
}

const isCount = (n: number): boolean => Number.isInteger(n) && n > 0;
const isNonNegativeInt = (n: number): boolean => Number.isInteger(n) && n >= 0;

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

/** Loading flags → options of loadModel. */
export function loadOptionsFrom(command: string, values: ParsedValues<typeof LOAD_FLAGS>): AtlasLoadOptions {
  const options: AtlasLoadOptions = {};
  if (values.gpu !== undefined) {
    if (!GPU_CHOICES.includes(values.gpu as GpuChoice))
      throw badArgument(command, `--gpu must be one of ${GPU_CHOICES.join(", ")}, got '${values.gpu}'`);
    options.gpu = values.gpu as GpuChoice;
  }
  const layers = values["gpu-layers"];
  if (layers !== undefined)
    options.gpuLayers =
      layers === "max"
        ? "max"
        : number(command, "gpu-layers", layers, isNonNegativeInt, "a whole number or 'max'")!;
  const ctx = number(
    command,
    "ctx-size",
    values["ctx-size"],
    (n) => isCount(n) && n >= 16,
    "a whole number ≥ 16",
  );
  if (ctx !== undefined) options.contextSize = ctx;
  const threads = number(command, "threads", values.threads, isCount, "a positive whole number");
  if (threads !== undefined) options.threads = threads;
  if (values.lora !== undefined) options.lora = values.lora.map((l) => parseLora(command, l));
  if (values.quant !== undefined) options.quant = values.quant;
  return options;
}

/** Sampling flags → GenerateOptions (only what was given; the engine applies its defaults). */
export function generateOptionsFrom(
  command: string,
  values: ParsedValues<typeof SAMPLING_FLAGS>,
): GenerateOptions {
  const options: GenerateOptions = {};
  const set = <K extends keyof GenerateOptions>(key: K, value: GenerateOptions[K] | undefined): void => {
    if (value !== undefined) options[key] = value;
  };
  set(
    "temperature",
    number(command, "temperature", values.temperature, (n) => n >= 0 && n <= 10, "between 0 and 10"),
  );
  set("topK", number(command, "top-k", values["top-k"], isNonNegativeInt, "a whole number ≥ 0"));
  set(
    "topP",
    number(command, "top-p", values["top-p"], (n) => n > 0 && n <= 1, "in (0, 1]"),
  );
  set(
    "minP",
    number(command, "min-p", values["min-p"], (n) => n >= 0 && n < 1, "in [0, 1)"),
  );
  set(
    "repeatPenalty",
    number(command, "repeat-penalty", values["repeat-penalty"], (n) => n > 0, "positive"),
  );
  set(
    "repeatLastN",
    number(command, "repeat-last-n", values["repeat-last-n"], isNonNegativeInt, "a whole number ≥ 0"),
  );
  set(
    "seed",
    number(
      command,
      "seed",
      values.seed,
      (n) => isNonNegativeInt(n) && n < 2 ** 32,
      "a whole number 0…4294967295",
    ),
  );
  set("maxTokens", number(command, "max-tokens", values["max-tokens"], isCount, "a positive whole number"));
  if (values.stop !== undefined) options.stop = values.stop;
  return options;
}
