/** The engine's load options: their ranges (checked at `loadModel`) and defaults. */
import { z } from "zod";
import { AtlasError, validateOptionFields, type FieldSpec, type ValidateOptions } from "../../core/index.js";
import type { LoadModelOptions } from "../types.js";

export const LOAD_DEFAULTS = {
  contextSize: 4096,
  sequences: 4,
  batchSize: 512,
  maxQueue: 256,
} as const;

const LOAD_FIELDS = {
  gpu: {
    schema: z.enum(["auto", "cpu", "cuda", "vulkan", "metal"]),
    what: "one of auto, cpu, cuda, vulkan, metal",
  },
  gpuLayers: {
    schema: z.union([z.literal("max"), z.number().int().min(0).max(10_000)]),
    what: "a whole number ≥ 0 or 'max'",
  },
  contextSize: {
    schema: z
      .number()
      .int()
      .min(16)
      .max(1 << 21),
    what: "a whole number from 16 to 2097152",
  },
  sequences: { schema: z.number().int().min(1).max(64), what: "a whole number from 1 to 64" },
  batchSize: {
    schema: z
      .number()
      .int()
      .min(1)
      .max(1 << 16),
    what: "a whole number from 1 to 65536",
  },
  threads: { schema: z.number().int().min(1).max(1024), what: "a whole number from 1 to 1024" },
  threadsBatch: { schema: z.number().int().min(1).max(1024), what: "a whole number from 1 to 1024" },
  adaptiveThreads: { schema: z.boolean(), what: "true or false" },
  threadPoll: { schema: z.number().int().min(0).max(100), what: "a whole number from 0 to 100" },
  threadPriority: {
    schema: z.enum(["low", "normal", "medium", "high", "realtime"]),
    what: "one of low, normal, medium, high, realtime",
  },
  lora: {
    schema: z.array(
      z.object({ path: z.string().min(1), scale: z.number().min(-100).max(100).optional() }).strict(),
    ),
    what: "a list of {path, scale?} adapters",
  },
  maxQueue: { schema: z.number().int().min(0).max(1_000_000), what: "a whole number from 0 to 1000000" },
  batchInvariant: { schema: z.boolean(), what: "true or false" },
  mlock: { schema: z.boolean(), what: "true or false" },
  kvCacheType: { schema: z.enum(["f16", "f32", "q8_0"]), what: "one of f16, f32, q8_0" },
  flashAttention: { schema: z.enum(["auto", "on", "off"]), what: "one of auto, on, off" },
  unifiedKv: { schema: z.boolean(), what: "true or false" },
  onNotice: { schema: z.custom((v) => typeof v === "function"), what: "a function" },
  onStep: { schema: z.custom((v) => typeof v === "function"), what: "a function" },
  signal: { schema: z.instanceof(AbortSignal), what: "an AbortSignal" },
} satisfies Record<string, FieldSpec>;

/**
 * Checks load options (ranges, known names, combinations).
 * @throws AtlasError BAD_ARGUMENT naming the field
 */
export function validateLoadOptions(input: unknown, validate: ValidateOptions = {}): LoadModelOptions {
  const options = validateOptionFields<LoadModelOptions>(LOAD_FIELDS, input, "load option", validate);
  if (options.batchInvariant === true) {
    if (options.flashAttention === "off")
      conflict("flashAttention", "batch-invariant mode needs flash attention; leave flashAttention unset");
    if (options.unifiedKv === true)
      conflict("unifiedKv", "batch-invariant mode keeps one KV stream per sequence; leave unifiedKv unset");
  }
  return options;
}

function conflict(field: string, message: string): never {
  throw new AtlasError("BAD_ARGUMENT", message, { details: { field } });
}
