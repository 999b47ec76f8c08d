/**
 * Writes a PEFT LoRA adapter folder for a generated Gemma-2 shape, laid out as PEFT's `save_pretrained`
 * does (`adapter_config.json` + `adapter_model.safetensors` with
 * `base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight` [r, in] and `…lora_B.weight` [out, r]),
 * with seeded random weights — and returns them, so tests can compute W + scale·B·A themselves.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeBf16, encodeBf16 } from "../../src/convert/float16.js";
import { Rng } from "./rng.js";
import { writeSafetensors, type TensorSource } from "./safetensors-writer.js";
import type { Gemma2Shape } from "./tiny-gemma2.js";

/** Every linear module of a Gemma-2 layer: PEFT name → [in, out] for `shape`. */
export function gemma2Linear(shape: Gemma2Shape): Record<string, [number, number]> {
  const H = shape.hiddenSize;
  const q = shape.numHeads * shape.headDim;
  const kv = shape.numKvHeads * shape.headDim;
  const ff = shape.intermediateSize;
  return {
    "self_attn.q_proj": [H, q],
    "self_attn.k_proj": [H, kv],
    "self_attn.v_proj": [H, kv],
    "self_attn.o_proj": [q, H],
    "mlp.gate_proj": [H, ff],
    "mlp.up_proj": [H, ff],
    "mlp.down_proj": [ff, H],
  };
}

/** Options of {@link writeTinyPeft}. */
export interface TinyPeftOptions {
  rank?: number;
  alpha?: number;
  rslora?: boolean;
  /** Short module names to adapt (default q_proj, v_proj, down_proj). */
  targets?: string[];
  dtype?: "F32" | "BF16";
  seed?: number;
  /** Layers to adapt (default all of the shape's). */
  layers?: number[];
  /** Override adapter_config.json fields (e.g. a wrong r), or omit the file with `null`. */
  config?: Record<string, unknown> | null;
  /** Replace or add tensors verbatim (e.g. names of another architecture). */
  extraTensors?: TensorSource[];
  /** Rank of the stored matrices when it should differ from `rank` (a broken adapter). */
  storedRank?: number;
  /** Shape to size the matrices for, when it should differ from the base's (a wrong-size adapter). */
  sizeFor?: Gemma2Shape;
}

/** One written module, as the values stored (after rounding to the dtype). */
export interface PeftModuleWeights {
  /** `model.layers.0.self_attn.q_proj` */
  module: string;
  /** [rank][in] row-major */
  a: Float32Array;
  /** [out][rank] row-major */
  b: Float32Array;
  inDim: number;
  outDim: number;
}

/** What {@link writeTinyPeft} wrote. */
export interface TinyPeft {
  dir: string;
  rank: number;
  alpha: number;
  rslora: boolean;
  modules: PeftModuleWeights[];
}

function bytesOf(values: Float32Array, dtype: "F32" | "BF16"): Uint8Array {
  return dtype === "BF16" ? encodeBf16(values) : new Uint8Array(values.slice().buffer);
}

/** Writes the adapter into `dir`. */
export async function writeTinyPeft(
  dir: string,
  shape: Gemma2Shape,
  options: TinyPeftOptions = {},
): Promise<TinyPeft> {
  const rank = options.rank ?? 4;
  const alpha = options.alpha ?? 8;
  const dtype = options.dtype ?? "F32";
  const targets = options.targets ?? ["q_proj", "v_proj", "down_proj"];
  const rng = new Rng(options.seed ?? 5);
  const linear = gemma2Linear(options.sizeFor ?? shape);
  const layers = options.layers ?? Array.from({ length: shape.numLayers }, (_, i) => i);
  const stored = options.storedRank ?? rank;
  const modules: PeftModuleWeights[] = [];
  const tensors: TensorSource[] = [];
  for (const layer of layers)
    for (const [name, [inDim, outDim]] of Object.entries(linear)) {
      if (!targets.includes(name.split(".").pop()!)) continue;
      const module = `model.layers.${layer}.${name}`;
      const a = new Float32Array(stored * inDim);
      const b = new Float32Array(outDim * stored);
      rng.fillNormal(a, 0, 0.2);
      rng.fillNormal(b, 0, 0.2);
      const aBytes = bytesOf(a, dtype);
      const bBytes = bytesOf(b, dtype);
      if (dtype === "BF16") {
        decodeBf16(aBytes, a);
        decodeBf16(bBytes, b);
      }
      modules.push({ module, a, b, inDim, outDim });
      tensors.push(
        {
          name: `base_model.model.${module}.lora_A.weight`,
          dtype,
          shape: [stored, inDim],
          data: () => [aBytes],
        },
        {
          name: `base_model.model.${module}.lora_B.weight`,
          dtype,
          shape: [outDim, stored],
          data: () => [bBytes],
        },
      );
    }
  await mkdir(dir, { recursive: true });
  await writeSafetensors(
    join(dir, "adapter_model.safetensors"),
    [...tensors, ...(options.extraTensors ?? [])],
    {
      metadata: { format: "pt" },
    },
  );
  if (options.config !== null) {
    const config = {
      alpha_pattern: {},
      base_model_name_or_path: "MBZUAI-Paris/Atlas-Chat-2B",
      bias: "none",
      fan_in_fan_out: false,
      inference_mode: true,
      init_lora_weights: true,
      lora_alpha: alpha,
      lora_dropout: 0.05,
      modules_to_save: null,
      peft_type: "LORA",
      r: rank,
      rank_pattern: {},
      target_modules: targets,
      task_type: "CAUSAL_LM",
      use_dora: false,
      use_rslora: options.rslora ?? false,
      ...options.config,
    };
    await writeFile(join(dir, "adapter_config.json"), JSON.stringify(config, null, 2));
  }
  return { dir, rank, alpha, rslora: options.rslora ?? false, modules };
}

/**
 * The base weights with the adapter merged: W + factor·B·A for every module (float64 products), as a new
 * map of Hugging Face tensors for the reference forward pass.
 */
export function mergedWeights(
  weights: ReadonlyMap<string, { shape: number[]; data: Float32Array }>,
  peft: TinyPeft,
  factor: number,
): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map(weights);
  for (const m of peft.modules) {
    const name = `${m.module}.weight`;
    const base = weights.get(name)!;
    const data = Float32Array.from(base.data);
    for (let o = 0; o < m.outDim; o++)
      for (let i = 0; i < m.inDim; i++) {
        let sum = 0;
        for (let k = 0; k < peft.rank; k++) sum += m.b[o * peft.rank + k]! * m.a[k * m.inDim + i]!;
        data[o * m.inDim + i] = data[o * m.inDim + i]! + factor * sum;
      }
    out.set(name, { shape: base.shape, data });
  }
  return out;
}
