/**
 * `mergeLora`: base + adapter → one model file, W' = W + scale·(alpha/r)·B·A for every adapted weight
 * (llama.cpp's own scaling, so the merged model computes what `--lora adapter.gguf:scale` computes at
 * run time), written — and quantized if asked — in one pass by the converter's writer. The base must be
 * full precision: a checkpoint folder, or an F32/F16/BF16 GGUF.
 */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { AtlasError } from "../../core/index.js";
import { convertModel, OUTPUT_TYPES, type ConvertProgress, type OutputType } from "../../convert/index.js";
import { LORA_ARCHITECTURE, readLoraBase } from "./lora-base.js";
import { readLoraGguf } from "./lora-gguf.js";
import { ggufOwnType, mergeIntoGguf } from "./merge-into-gguf.js";
import { mergeTransforms } from "./merge-transforms.js";

/** Options of {@link mergeLora}. */
export interface MergeLoraOptions {
  /** The base: checkpoint folder, F32/F16/BF16 GGUF, or a pulled model stored at such a precision. */
  model: string;
  /** The LoRA adapter GGUF. */
  adapter: string;
  output: string;
  /** Output type (default: the base's precision). */
  type?: OutputType;
  /** The adapter's strength, as `--lora file:scale` (default 1). */
  scale?: number;
  /** K-quants: llama.cpp threads. */
  threads?: number;
  /** Replace an existing output (default false). */
  overwrite?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: ConvertProgress) => void;
  env?: Readonly<Record<string, string | undefined>>;
}

/** What {@link mergeLora} wrote. */
export interface MergeLoraResult {
  output: string;
  type: OutputType;
  bytes: number;
  tensors: number;
  /** Weights that received an update. */
  merged: number;
  seconds: number;
  warnings: string[];
}

/**
 * Merges the adapter into the base.
 * @example
 * await mergeLora({ model: "./Atlas-Chat-2B", adapter: "darija-lora.gguf", output: "merged.q4_k_m.gguf", type: "q4_k_m" });
 * @throws AtlasError BAD_ARGUMENT (options, output exists), NOT_FOUND, INVALID_MODEL (adapter does not fit
 *   the base), UNSUPPORTED (quantized base, other architecture), IO, NATIVE (K-quants), ABORTED
 */
export async function mergeLora(options: MergeLoraOptions): Promise<MergeLoraResult> {
  const started = performance.now();
  const scale = options.scale ?? 1;
  if (!Number.isFinite(scale))
    throw new AtlasError("BAD_ARGUMENT", `scale must be a number, got ${scale}`, {
      details: { field: "scale" },
    });
  if (options.type !== undefined && !OUTPUT_TYPES.includes(options.type))
    throw new AtlasError("BAD_ARGUMENT", `unknown output type '${String(options.type)}'`, {
      hint: `use one of ${OUTPUT_TYPES.join(", ")}`,
    });
  const output = resolve(options.output);
  if (options.overwrite !== true && (await stat(output).catch(() => undefined)) !== undefined)
    throw new AtlasError("BAD_ARGUMENT", "already exists", {
      where: output,
      hint: "pass --force to replace it",
    });
  const lora = await readLoraGguf(options.adapter);
  if (lora.architecture !== LORA_ARCHITECTURE)
    throw new AtlasError(
      "UNSUPPORTED",
      `is an adapter for ${lora.architecture}; atlas merges ${LORA_ARCHITECTURE} adapters`,
      { where: options.adapter },
    );
  const base = await readLoraBase(options.model, options.env);
  for (const pair of lora.pairs) {
    const ne = base.tensors.get(pair.target);
    if (ne === undefined || ne[0] !== pair.inDim || ne[1] !== pair.outDim)
      throw new AtlasError(
        "INVALID_MODEL",
        ne === undefined
          ? `adapts ${pair.target}, which the base does not have`
          : `adapts ${pair.target} as ${pair.inDim} → ${pair.outDim} features but the base's is ${ne[0]} → ${ne[1]}`,
        { where: options.adapter, hint: "this adapter belongs to another model" },
      );
  }
  const warnings: string[] = [];
  // A checkpoint's attn_q is multiplied by f when converted; the adapter's attn_q update already is.
  const queryScale = base.queryScale;
  const { transforms, close } = mergeTransforms(lora, scale, (target) =>
    queryScale !== undefined && target.endsWith("attn_q.weight") ? 1 / queryScale : 1,
  );
  try {
    if (base.kind === "checkpoint") {
      const result = await convertModel({
        input: base.path,
        output,
        transforms,
        overwrite: options.overwrite === true,
        ...(options.type === undefined ? {} : { type: options.type }),
        ...(options.threads === undefined ? {} : { threads: options.threads }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      });
      warnings.push(...result.warnings);
      return {
        output,
        type: result.type,
        bytes: result.bytes,
        tensors: result.tensors,
        merged: lora.pairs.length,
        seconds: (performance.now() - started) / 1000,
        warnings,
      };
    }
    const type = options.type ?? ggufOwnType(base.gguf!);
    const written = await mergeIntoGguf({
      base: base.gguf!,
      output,
      type,
      transforms,
      overwrite: options.overwrite === true,
      threads: options.threads,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    return {
      output,
      type,
      ...written,
      merged: lora.pairs.length,
      seconds: (performance.now() - started) / 1000,
      warnings,
    };
  } finally {
    close();
  }
}
