/**
 * `convertPeftAdapter`: a PEFT LoRA adapter folder → the GGUF LoRA file llama.cpp loads
 * (`llama_adapter_lora_init`, `atlas run --lora`), with the layout of llama.cpp's own
 * convert_lora_to_gguf.py: `general.type = "adapter"`, `adapter.type = "lora"`, `adapter.lora.alpha`,
 * the base's `general.architecture`, and per adapted weight `<gguf name>.lora_a` (ggml dims [in, r]) and
 * `.lora_b` ([r, out]) — PyTorch's [r, in] and [out, r] bytes as they are.
 *
 * llama.cpp scales an adapter by `alpha / r` (r = lora_b's ne[0]); PEFT by `lora_alpha / r`, or
 * `lora_alpha / √r` with rsLoRA — written as alpha = lora_alpha·√r so llama.cpp's `alpha / r` equals it.
 * Every module is checked against the base (architecture, layer, input and output sizes) before a byte
 * is written; on any error no output file appears.
 */
import { stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { AtlasError, ioError, writeAtomically } from "../../core/index.js";
import { GGUF_TYPE, type GgufKv } from "../../convert/index.js";
import { gemma2GgufName } from "../../convert/gemma2-tensors.js";
import { writeGgufFile } from "./write-gguf-file.js";
import {
  GGML_OF,
  LORA_OUTPUT_TYPES,
  readFloats,
  encodeFloats,
  type FloatDtype,
  type LoraOutputType,
} from "./float-matrix.js";
import { LORA_ARCHITECTURE, readLoraBase, type LoraBase } from "./lora-base.js";
import { readPeftAdapter, type PeftAdapter, type PeftModulePair } from "./peft-adapter.js";

/** Options of {@link convertPeftAdapter}. */
export interface ConvertPeftOptions {
  /** The PEFT adapter folder. */
  adapter: string;
  /** The base model: checkpoint folder, GGUF file or pulled model. */
  base: string;
  /** The .gguf to write. */
  output: string;
  /** Tensor type (default: the adapter's own precision; f32 when it mixes them). */
  type?: LoraOutputType;
  /** Replace an existing output (default false). */
  overwrite?: boolean;
  env?: Readonly<Record<string, string | undefined>>;
}

/** What {@link convertPeftAdapter} wrote. */
export interface ConvertPeftResult {
  output: string;
  type: LoraOutputType;
  bytes: number;
  /** Adapted weights (each gives a lora_a and a lora_b tensor). */
  modules: number;
  rank: number;
  /** `adapter.lora.alpha` as written, and the scale it gives at --lora scale 1 (alpha / r). */
  alpha: number;
  scale: number;
  rslora: boolean;
  warnings: string[];
}

/** One module matched to its base tensor. */
interface MatchedPair {
  pair: PeftModulePair;
  ggufName: string;
  /** Factor for lora_b (the attention-scale fix on attn_q), 1 otherwise. */
  bScale: number;
}

/** Checks every module against the base; returns them in the base's tensor order. */
function matchBase(adapter: PeftAdapter, base: LoraBase, weightsPath: string): MatchedPair[] {
  const matched = adapter.pairs.map((pair): MatchedPair => {
    const hfName = `${pair.module}.weight`;
    const ggufName = gemma2GgufName(hfName);
    if (ggufName === undefined)
      throw new AtlasError(
        "UNSUPPORTED",
        `adapts '${pair.module}', which a ${LORA_ARCHITECTURE} model does not have`,
        {
          where: weightsPath,
          hint: `this adapter was trained for another architecture (its base: ${adapter.config.baseModel ?? "unknown"})`,
        },
      );
    const ne = base.tensors.get(ggufName);
    if (ne === undefined)
      throw new AtlasError(
        "INVALID_MODEL",
        `adapts '${pair.module}' but the base has no ${ggufName} (${base.layers} layers)`,
        {
          where: weightsPath,
          hint: `this adapter was trained for another model (its base: ${adapter.config.baseModel ?? "unknown"})`,
        },
      );
    if (ggufName === "token_embd.weight" || ne.length !== 2)
      throw new AtlasError("UNSUPPORTED", `adapts '${pair.module}'`, {
        where: weightsPath,
        hint: "atlas converts adapters of the attention and MLP projections",
      });
    const [inDim, outDim] = [ne[0]!, ne[1]!];
    if (pair.a.shape[1] !== inDim || pair.b.shape[0] !== outDim)
      throw new AtlasError(
        "INVALID_MODEL",
        `module '${pair.module}' maps ${pair.a.shape[1]} → ${pair.b.shape[0]} features but the base's ${ggufName} maps ${inDim} → ${outDim}`,
        {
          where: weightsPath,
          hint: `this adapter was trained for another model size (its base: ${adapter.config.baseModel ?? "unknown"})`,
        },
      );
    const bScale = ggufName.endsWith("attn_q.weight") && base.queryScale !== undefined ? base.queryScale : 1;
    return { pair, ggufName, bScale };
  });
  const order = new Map([...base.tensors.keys()].map((name, i) => [name, i]));
  return matched.sort((x, y) => order.get(x.ggufName)! - order.get(y.ggufName)!);
}

function defaultType(pairs: readonly MatchedPair[]): LoraOutputType {
  const dtypes = new Set<FloatDtype>(pairs.flatMap((p) => [p.pair.a.dtype, p.pair.b.dtype] as FloatDtype[]));
  if (dtypes.size !== 1) return "f32";
  return dtypes.has("BF16") ? "bf16" : dtypes.has("F16") ? "f16" : "f32";
}

async function refuseExisting(output: string): Promise<void> {
  const info = await stat(output).catch(() => undefined);
  if (info === undefined) return;
  throw new AtlasError(
    "BAD_ARGUMENT",
    info.isDirectory() ? "is a folder; give the path of the .gguf to write" : "already exists",
    {
      where: output,
      ...(info.isDirectory() ? {} : { hint: "pass --force to replace it" }),
    },
  );
}

/**
 * Converts the adapter. Nothing is written unless every check passes.
 * @example
 * await convertPeftAdapter({ adapter: "out/checkpoint-1000", base: "atlas-chat:2b", output: "darija-lora.gguf" });
 * @throws AtlasError NOT_FOUND (missing config or weights), INVALID_MODEL (rank, shapes, base mismatch),
 *   UNSUPPORTED (another architecture, DoRA …), BAD_ARGUMENT (output exists), IO
 */
export async function convertPeftAdapter(options: ConvertPeftOptions): Promise<ConvertPeftResult> {
  if (options.type !== undefined && !LORA_OUTPUT_TYPES.includes(options.type))
    throw new AtlasError("BAD_ARGUMENT", `unknown adapter type '${String(options.type)}'`, {
      hint: `use one of ${LORA_OUTPUT_TYPES.join(", ")}`,
    });
  const output = resolve(options.output);
  if (options.overwrite !== true) await refuseExisting(output);
  const adapter = await readPeftAdapter(options.adapter);
  const base = await readLoraBase(options.base, options.env);
  const pairs = matchBase(adapter, base, adapter.file.path);
  const type = options.type ?? defaultType(pairs);
  const { r, loraAlpha, useRslora } = adapter.config;
  const alpha = useRslora ? loraAlpha * Math.sqrt(r) : loraAlpha;
  const warnings: string[] = [];
  if (pairs.some((p) => p.bScale !== 1))
    warnings.push(
      `attn_q updates were multiplied by ${base.queryScale!.toPrecision(8)}, as the converter multiplies attn_q (attention-scale fix)`,
    );
  if (base.kind === "gguf")
    warnings.push(
      "checked against a GGUF base: if it was converted with the attention-scale fix (a non-standard query_pre_attn_scalar), convert with --base <checkpoint folder> instead",
    );
  const kvs: GgufKv[] = [
    { key: "general.architecture", type: GGUF_TYPE.STRING, value: LORA_ARCHITECTURE },
    { key: "general.type", type: GGUF_TYPE.STRING, value: "adapter" },
    { key: "adapter.type", type: GGUF_TYPE.STRING, value: "lora" },
    { key: "general.name", type: GGUF_TYPE.STRING, value: basename(resolve(options.adapter)) },
    { key: "adapter.lora.alpha", type: GGUF_TYPE.FLOAT32, value: alpha },
    { key: "general.quantization_version", type: GGUF_TYPE.UINT32, value: 2 },
  ];
  const ggml = GGML_OF[type];
  const tensors = pairs.flatMap(({ pair, ggufName, bScale }) => [
    {
      name: `${ggufName}.lora_a`,
      ne: [pair.a.shape[1]!, r],
      type: ggml,
      data: () => matrix(adapter.file.path, pair.a, 1, type),
    },
    {
      name: `${ggufName}.lora_b`,
      ne: [r, pair.b.shape[0]!],
      type: ggml,
      data: () => matrix(adapter.file.path, pair.b, bScale, type),
    },
  ]);
  const bytes = await writeAtomically(output, (temp) => writeGgufFile(temp, kvs, tensors), {
    overwrite: options.overwrite === true,
  }).catch((error: unknown) => {
    throw error instanceof AtlasError ? error : ioError("cannot write", output, error);
  });
  return {
    output,
    type,
    bytes,
    modules: pairs.length,
    rank: r,
    alpha,
    scale: alpha / r,
    rslora: useRslora,
    warnings,
  };
}

/** One matrix of the adapter, as `type` bytes, times `scale`. */
async function matrix(
  path: string,
  tensor: PeftModulePair["a"],
  scale: number,
  type: LoraOutputType,
): Promise<Uint8Array> {
  const count = tensor.shape[0]! * tensor.shape[1]!;
  const values = await readFloats(path, tensor.byteOffset, tensor.dtype as FloatDtype, count);
  if (scale !== 1) for (let i = 0; i < values.length; i++) values[i] = values[i]! * scale;
  return encodeFloats(values, type);
}
