/**
 * Ollama's `options` object → the request contract's generation options. Sampling names map one to one;
 * `num_predict: -1` (or -2) means no limit, `repeat_last_n: -1` the whole context, `num_ctx` caps prompt +
 * reply. Load-time options (num_gpu, num_thread, use_mmap …) are accepted and ignored: the server's
 * flags decide them. Samplers the engine does not have are accepted only at their neutral value.
 */
import { validateGenerateOptions, type GenerateOptions } from "../../core/index.js";
import { badField, checkKnownFields, typeName, type JsonObject } from "../json-body.js";

/** Ollama option name → contract field. */
const SAMPLING: Record<string, keyof GenerateOptions> = {
  temperature: "temperature",
  top_k: "topK",
  top_p: "topP",
  min_p: "minP",
  seed: "seed",
  num_predict: "maxTokens",
  repeat_penalty: "repeatPenalty",
  repeat_last_n: "repeatLastN",
  presence_penalty: "presencePenalty",
  frequency_penalty: "frequencyPenalty",
  stop: "stop",
};

/** Contract field → Ollama's name (for error messages). */
export const OLLAMA_OPTION_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SAMPLING).map(([wire, field]) => [field, wire]),
);

/** Load-time and tuning options the server's flags decide; accepted and ignored. */
const IGNORED = [
  "num_keep",
  "num_batch",
  "num_gpu",
  "main_gpu",
  "use_mmap",
  "use_mlock",
  "num_thread",
  "numa",
  "low_vram",
  "f16_kv",
  "vocab_only",
  "logits_all",
  "draft_num_predict",
];

/** Samplers we do not implement, with the value that means "off". */
const NEUTRAL: Record<string, number | boolean> = {
  typical_p: 1,
  tfs_z: 1,
  mirostat: 0,
  mirostat_tau: 5,
  mirostat_eta: 0.1,
  penalize_newline: true,
};

/** What `options` maps to. */
export interface MappedOllamaOptions {
  options: Omit<GenerateOptions, "signal" | "grammar">;
  contextLimit: number | undefined;
  repeatLastNWholeContext: boolean;
}

/**
 * Maps Ollama's `options`.
 * @throws AtlasError BAD_ARGUMENT naming the option (Ollama's name)
 */
export function mapOllamaOptions(raw: JsonObject | undefined): MappedOllamaOptions {
  const out: Record<string, unknown> = {};
  const result: MappedOllamaOptions = {
    options: {},
    contextLimit: undefined,
    repeatLastNWholeContext: false,
  };
  if (raw === undefined) return result;
  checkKnownFields(raw, [...Object.keys(SAMPLING), "num_ctx", ...IGNORED, ...Object.keys(NEUTRAL)], "option");
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || value === null || IGNORED.includes(key)) continue;
    if (key in NEUTRAL) {
      if (value !== NEUTRAL[key])
        throw badField(
          key,
          `option ${key} is not supported (only ${String(NEUTRAL[key])}, its neutral value)`,
        );
      continue;
    }
    if (key === "num_ctx") {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 1)
        throw badField(key, `option num_ctx must be a whole number ≥ 1, got ${typeName(value)}`);
      result.contextLimit = value;
      continue;
    }
    if (key === "num_predict" && typeof value === "number" && value < 0) {
      if (value !== -1 && value !== -2)
        throw badField(key, "option num_predict must be ≥ 0, or -1 for no limit");
      continue;
    }
    // Ollama's default seed is -1: a random one.
    if (key === "seed" && typeof value === "number" && value < 0) continue;
    if (key === "repeat_last_n" && value === -1) {
      result.repeatLastNWholeContext = true;
      continue;
    }
    // Ollama truncates floats given for integer options.
    const intField = key === "top_k" || key === "seed" || key === "num_predict" || key === "repeat_last_n";
    out[SAMPLING[key]!] = intField && typeof value === "number" ? Math.trunc(value) : value;
  }
  result.options = validateGenerateOptions(out, { names: OLLAMA_OPTION_NAMES });
  return result;
}
