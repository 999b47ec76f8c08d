/**
 * Decides, for every source tensor, its GGUF name, dims, type and the value changes applied on the way
 * (norm +1, attention-scale factor), following llama.cpp's converter; K-quant and Q4_0 mixes by k-quant-plan.ts.
 */
import { GGML_TYPE, ggmlTensorBytes, ggmlTypeInfo } from "./ggml-types.js";
import type { CheckpointTensor } from "./hf-checkpoint.js";
import { planKQuantTypes, type KQuantMix } from "./k-quant-plan.js";

/**
 * A change to a tensor's values on their way to the file: `values` holds `rows` full rows (F32, row-major,
 * ne[0] values each) starting at row `firstRow`. Runs after the norm +1 and before the attention-scale
 * factor, i.e. on the checkpoint's own values (LoRA merging adds B·A here).
 */
export type RowTransform = (values: Float32Array, firstRow: number, rows: number) => void;

/** One output tensor and how to produce it. */
export interface TensorPlan {
  source: CheckpointTensor;
  ggufName: string;
  /** ggml dims (PyTorch shape reversed). */
  ne: number[];
  /** ggml type written. */
  type: number;
  /** Elements per row (ne[0]) and rows (product of the other dims). */
  cols: number;
  rows: number;
  /** Add 1 to every value (Gemma RMSNorm weights). */
  addOne: boolean;
  /** Multiply every value by this (attention-scale fix on attn_q), when set. */
  scale: number | undefined;
  /** Output bytes. */
  bytes: number;
  /** An extra change to the values, when set. */
  transform?: RowTransform | undefined;
}

/** Inputs of {@link planTensors}. */
export interface PlanOptions {
  tensors: readonly CheckpointTensor[];
  /** ggml type for 2-D weights. */
  matrixType: number;
  /** Factor applied to attn_q weights, or undefined for none. */
  queryScale: number | undefined;
  /** A llama.cpp K-quant mix: per-tensor types by llama.cpp's rules (then `matrixType` is ignored). */
  kQuant?: { mix: KQuantMix; layers: number } | undefined;
  warnings: string[];
  /** Extra changes by GGUF tensor name. */
  transforms?: ReadonlyMap<string, RowTransform> | undefined;
}

/** Plans every tensor. Quantized types fall back to F16 for rows not a multiple of the block, like llama.cpp. */
export function planTensors(options: PlanOptions): TensorPlan[] {
  const kQuant = options.kQuant;
  const kTypes =
    kQuant === undefined
      ? undefined
      : planKQuantTypes(
          kQuant.mix,
          options.tensors.map((t) => ({ name: t.spec.ggufName, ne: [...t.shape].reverse() })),
          kQuant.layers,
          () => GGML_TYPE.F32,
        );
  return options.tensors.map((source, index) => {
    const ne = [...source.shape].reverse();
    const cols = ne[0] ?? 1;
    const rows = ne.slice(1).reduce((a, b) => a * b, 1);
    let type: number;
    if (source.shape.length <= 1 || source.spec.isNorm) type = GGML_TYPE.F32;
    else if (kTypes !== undefined) type = kTypes[index]!;
    else type = options.matrixType;
    const info = ggmlTypeInfo(type)!;
    if (cols % info.blockSize !== 0) {
      options.warnings.push(
        `${source.spec.ggufName}: row length ${cols} is not a multiple of ${info.blockSize}, so it is stored as F16 instead of ${info.name}`,
      );
      type = GGML_TYPE.F16;
    }
    return {
      source,
      ggufName: source.spec.ggufName,
      ne,
      type,
      cols,
      rows,
      addOne: source.spec.isNorm,
      scale: source.spec.isQuery ? options.queryScale : undefined,
      bytes: ggmlTensorBytes(type, ne, source.spec.ggufName),
      transform: options.transforms?.get(source.spec.ggufName),
    };
  });
}
