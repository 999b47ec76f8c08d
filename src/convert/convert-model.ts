/**
 * `convertModel`: a Hugging Face Gemma-2 checkpoint folder → one GGUF file. Everything is validated before
 * writing; the output appears atomically (temp file + fsync + rename) or not at all. F32/F16/BF16/Q8_0/
 * Q4_0 are written by our own writer; K-quants by llama.cpp's quantization routine with llama.cpp's
 * tensor-type rules, in the same single pass.
 */
import { stat } from "node:fs/promises";
import { endianness } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import {
  AtlasError,
  acquireLock,
  ioError,
  isAtlasError,
  makeFolder,
  sweepStaleTemps,
  systemErrorCode,
  writeAtomically,
  type FileLock,
} from "../core/index.js";
import { checkFreeSpace } from "./disk-space.js";
import { readJsonObject } from "./file-io.js";
import { llamaCppAttentionDenominator, type Gemma2Hparams } from "./gemma2-config.js";
import { samplingFromGenerationConfig, type SamplingDefaults } from "./gemma2-metadata.js";
import { GGML_TYPE } from "./ggml-types.js";
import { openHfCheckpoint, type HfCheckpoint } from "./hf-checkpoint.js";
import { MAX_JSON_FILE_BYTES } from "./limits.js";
import { modelNameFromFolder } from "./model-name.js";
import { FILE_TYPE_OF, MATRIX_TYPE_OF, OUTPUT_TYPES, isKQuant, type OutputType } from "./output-types.js";
import { checkAborted } from "./tensor-data-writer.js";
import { planTensors, type RowTransform } from "./tensor-plan.js";
import { buildGemma2Vocab, type GgufVocab } from "./vocab.js";
import { writeGemma2Gguf, type WrittenGguf } from "./write-gemma2-gguf.js";

/** Progress of {@link convertModel}: `convert` writes tensors, `quantize` runs llama.cpp (K-quants). */
export interface ConvertProgress {
  phase: "convert";
  tensorsDone: number;
  tensorsTotal: number;
  bytesDone: number;
  bytesTotal: number;
  /** The tensor being processed. */
  tensor?: string;
}

/** Options of {@link convertModel}. */
export interface ConvertOptions {
  /** Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer.model, …). */
  input: string;
  /** GGUF file to write; replaced atomically if it exists (the CLI refuses without --force). */
  output: string;
  /** Output type; default the checkpoint's own precision: bf16 for BF16 weights, else f16 (like llama.cpp). */
  type?: OutputType;
  /** Cancels the conversion; the partial output is removed and the promise rejects with ABORTED. */
  signal?: AbortSignal;
  onProgress?: (progress: ConvertProgress) => void;
  /** K-quants only: threads for llama.cpp's quantization routine. Default `ATLAS_THREADS` or the number of cores. */
  threads?: number;
  /**
   * Replace an existing output (default true). With false, an output that exists, or appears while
   * converting, fails with BAD_ARGUMENT; another conversion writing the same output fails with BUSY.
   */
  overwrite?: boolean;
  /**
   * Changes to tensor values by GGUF name, applied to the checkpoint's values (F32) before the output
   * type's encoding — how `atlas lora merge` adds an adapter's B·A. Default none.
   */
  transforms?: ReadonlyMap<string, RowTransform>;
}

/** What {@link convertModel} produced. */
export interface ConvertResult {
  output: string;
  type: OutputType;
  /** `general.file_type`. */
  fileType: number;
  /** Size of the output file. */
  bytes: number;
  tensors: number;
  parameters: number;
  seconds: number;
  architecture: "gemma2";
  vocabSize: number;
  /** Notes worth showing: defaults used, attention-scale fix, fallbacks. */
  warnings: string[];
}

/** The factor for attn_q so that llama.cpp's 1/sqrt(d) scale equals transformers' 1/sqrt(query_pre_attn_scalar). */
export function attentionScaleFactor(h: Gemma2Hparams): number | undefined {
  const denominator = llamaCppAttentionDenominator(h);
  if (denominator === h.queryPreAttnScalar) return undefined;
  return Math.sqrt(denominator / h.queryPreAttnScalar);
}

function checkOptions(options: ConvertOptions): void {
  if (typeof options.input !== "string" || options.input === "")
    throw new AtlasError("BAD_ARGUMENT", "convert needs an input folder");
  if (typeof options.output !== "string" || options.output === "")
    throw new AtlasError("BAD_ARGUMENT", "convert needs an output file path");
  if (options.type !== undefined && !OUTPUT_TYPES.includes(options.type))
    throw new AtlasError("BAD_ARGUMENT", `unknown output type '${String(options.type)}'`, {
      hint: `use one of ${OUTPUT_TYPES.join(", ")}`,
    });
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads <= 0))
    throw new AtlasError("BAD_ARGUMENT", `threads must be a positive integer, got ${options.threads}`);
  if (endianness() !== "LE")
    throw new AtlasError("UNSUPPORTED", "GGUF conversion needs a little-endian machine");
}

async function checkOutputPath(output: string, overwrite: boolean): Promise<void> {
  try {
    const info = await stat(output);
    if (info.isDirectory())
      throw new AtlasError("BAD_ARGUMENT", "is a folder; give the path of the .gguf file to write", {
        where: output,
      });
    if (!overwrite)
      throw new AtlasError("BAD_ARGUMENT", "already exists", {
        where: output,
        hint: "pass --force to replace it",
      });
  } catch (error) {
    if (error instanceof AtlasError) throw error;
    if (systemErrorCode(error) !== "ENOENT" && systemErrorCode(error) !== "ENOTDIR")
      throw ioError("cannot check", output, error);
  }
}

/** The precision of the checkpoint's matrices (first 2-D tensor, as llama.cpp's `auto`). */
function sourcePrecision(checkpoint: HfCheckpoint): "F32" | "F16" | "BF16" {
  return checkpoint.tensors.find((t) => t.shape.length >= 2)?.dtype ?? "F32";
}

async function readSampling(dir: string, warnings: string[]): Promise<SamplingDefaults> {
  try {
    return samplingFromGenerationConfig(
      await readJsonObject(join(dir, "generation_config.json"), MAX_JSON_FILE_BYTES),
    );
  } catch {
    warnings.push("generation_config.json is unreadable: ignored (as llama.cpp does)");
    return {};
  }
}

/**
 * Converts the checkpoint in `options.input` to a GGUF at `options.output`.
 *
 * @example
 * const result = await convertModel({ input: "/models/Atlas-Chat-2B", output: "/models/atlas-2b.q8_0.gguf", type: "q8_0" });
 * @throws AtlasError NOT_FOUND / INVALID_MODEL / UNSUPPORTED for bad input, IO for write failures,
 *   ABORTED on `signal`, NATIVE when llama.cpp's quantizer fails (K-quants)
 */
export async function convertModel(options: ConvertOptions): Promise<ConvertResult> {
  const started = performance.now();
  checkOptions(options);
  const input = resolve(options.input);
  const output = resolve(options.output);
  const { signal } = options;
  checkAborted(signal, output);
  const overwrite = options.overwrite ?? true;
  await checkOutputPath(output, overwrite);
  const checkpoint = await openHfCheckpoint(input);
  const hparams = checkpoint.config.hparams;
  const vocab = await buildGemma2Vocab({
    dir: input,
    vocabSize: hparams.vocabSize,
    config: checkpoint.config.raw,
  });
  const warnings = [...checkpoint.warnings, ...vocab.warnings];
  const precision = sourcePrecision(checkpoint);
  const type: OutputType = options.type ?? (precision === "BF16" ? "bf16" : "f16");
  const queryScale = attentionScaleFactor(hparams);
  if (queryScale !== undefined)
    warnings.push(
      `attention-scale fix: config.json query_pre_attn_scalar is ${hparams.queryPreAttnScalar} but llama.cpp scales attention by 1/sqrt(${llamaCppAttentionDenominator(hparams)}), so attn_q weights were multiplied by ${queryScale.toPrecision(8)}; scores then match transformers exactly up to F32 rounding (the output type's own rounding applies on top)`,
    );
  const common = {
    checkpoint,
    vocab,
    queryScale,
    name: modelNameFromFolder(input),
    sampling: await readSampling(input, warnings),
    signal,
    warnings,
  };
  checkAborted(signal, output);
  await makeFolder(dirname(output), "cannot create the output folder");
  const lock = await lockOutput(output);
  let written: WrittenGguf;
  try {
    // Leftovers of conversions that were killed (SIGKILL, power loss) before they could clean up.
    await sweepStaleTemps(dirname(output));
    await checkOutputPath(output, overwrite);
    written = await convertOnePass(options, output, type, common);
  } finally {
    await lock.release();
  }
  let bytes: number;
  try {
    bytes = (await stat(output)).size;
  } catch (error) {
    throw ioError("cannot read back", output, error);
  }
  return {
    output,
    type,
    fileType: FILE_TYPE_OF[type],
    bytes,
    tensors: written.tensors,
    parameters: written.parameters,
    seconds: (performance.now() - started) / 1000,
    architecture: "gemma2",
    vocabSize: vocab.tokens.length,
    warnings,
  };
}

/**
 * One conversion per output at a time: a second one (another process, or the same) fails at once with
 * BUSY instead of racing to the same file.
 */
async function lockOutput(output: string): Promise<FileLock> {
  try {
    return await acquireLock(join(dirname(output), `.${basename(output)}.atlas-lock`), {
      timeoutMs: 0,
      purpose: `conversion to ${output}`,
    });
  } catch (error) {
    if (isAtlasError(error, "BUSY"))
      throw new AtlasError("BUSY", `is being written by another conversion (${error.message})`, {
        where: output,
        hint: "wait for it to finish, or write to another path",
      });
    throw error;
  }
}

interface CommonParts {
  checkpoint: HfCheckpoint;
  vocab: GgufVocab;
  queryScale: number | undefined;
  name: string;
  sampling: SamplingDefaults;
  signal: AbortSignal | undefined;
  warnings: string[];
}

/**
 * Writes the GGUF in one pass: every tensor's rows are decoded to F32, changed (norm +1, attention
 * scale), and encoded. F32/F16/BF16/Q8_0/Q4_0 are encoded by our own code; K-quants get the tensor types
 * llama.cpp's `llama-quantize` would choose (k-quant-plan.ts) and are quantized by llama.cpp's own
 * `ggml_quantize_chunk` — the same bytes, without writing and re-reading a full-precision copy.
 */
async function convertOnePass(
  options: ConvertOptions,
  output: string,
  type: OutputType,
  parts: CommonParts,
): Promise<WrittenGguf> {
  // Q4_0 follows llama.cpp's mix too: its tied embeddings are Q6_K (they decide every logit).
  const kQuant = isKQuant(type) || type === "q4_0" ? type : undefined;
  const matrixType = isKQuant(type) ? GGML_TYPE.F32 : MATRIX_TYPE_OF[type];
  const plans = planTensors({
    tensors: parts.checkpoint.tensors,
    matrixType,
    queryScale: undefined,
    kQuant:
      kQuant === undefined ? undefined : { mix: kQuant, layers: parts.checkpoint.config.hparams.numLayers },
    warnings: [],
  });
  await checkFreeSpace([
    { folder: dirname(output), bytes: plans.reduce((n, p) => n + p.bytes, 0), what: "the output" },
  ]);
  const onProgress = options.onProgress;
  return writeAtomically(
    output,
    (temp) =>
      writeGemma2Gguf({
        ...parts,
        path: temp,
        matrixType,
        kQuant,
        threads: options.threads,
        transforms: options.transforms,
        fileType: FILE_TYPE_OF[type],
        onProgress: onProgress === undefined ? undefined : (p) => onProgress({ phase: "convert", ...p }),
      }),
    { overwrite: options.overwrite ?? true },
  );
}
