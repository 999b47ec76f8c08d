/**
 * Which ggml type each tensor gets in llama.cpp's quantization mixes (Q4_0, Q4_K_M, Q5_K_M, Q6_K), for Gemma-2 —
 * the rules of llama.cpp v0.5.0's `llama_tensor_get_type` (src/llama-quant.cpp) that apply to a dense,
 * non-Falcon model with tied embeddings, so our direct K-quant conversion writes the same tensor types
 * (and, through llama.cpp's own `ggml_quantize_chunk`, the same bytes) as `llama-quantize`.
 */
import { GGML_TYPE, ggmlTypeInfo } from "./ggml-types.js";

/** The llama.cpp mixes we plan (the K-quants, and Q4_0 whose tied embeddings llama.cpp keeps at Q6_K). */
export type KQuantMix = "q4_0" | "q4_k_m" | "q5_k_m" | "q6_k";

/** A tensor as the planner sees it: GGUF name and ggml dims (ne[0] = row length). */
export interface KQuantTensor {
  name: string;
  ne: readonly number[];
}

/** ggml ids of the 32-element fallback types (ggml.h). */
const Q5_0 = 6;
const Q5_1 = 7;

const DEFAULT_TYPE: Readonly<Record<KQuantMix, number>> = {
  q4_0: GGML_TYPE.Q4_0,
  q4_k_m: GGML_TYPE.Q4_K,
  q5_k_m: GGML_TYPE.Q5_K,
  q6_k: GGML_TYPE.Q6_K,
};

/** llama.cpp's "use more bits" layer pattern: the first and last eighth, and every third layer between. */
function useMoreBits(layer: number, layers: number): boolean {
  return (
    layer < Math.trunc(layers / 8) ||
    layer >= Math.trunc((7 * layers) / 8) ||
    (layer - Math.trunc(layers / 8)) % 3 === 2
  );
}

/** Whether llama.cpp quantizes this tensor at all (2-D+ weights that are not norms). */
function quantizable(t: KQuantTensor): boolean {
  let dims = 1; // ggml_n_dims: trailing 1s do not count
  t.ne.forEach((d, i) => {
    if (d > 1) dims = Math.max(dims, i + 1);
  });
  return (
    dims >= 2 &&
    t.name.endsWith("weight") &&
    !t.name.includes("_norm.weight") &&
    !t.name.includes("ffn_gate_inp.weight")
  );
}

/** A type whose block does not divide the row length falls back like llama.cpp's `tensor_type_fallback`. */
function fallback(type: number, cols: number): number {
  const block = ggmlTypeInfo(type)!.blockSize;
  if (cols % block === 0) return type;
  const replacement: Readonly<Record<number, number>> = {
    [GGML_TYPE.Q4_K]: Q5_0,
    [GGML_TYPE.Q5_K]: Q5_1,
    [GGML_TYPE.Q6_K]: GGML_TYPE.Q8_0,
  };
  const next = replacement[type] ?? type;
  return cols % ggmlTypeInfo(next)!.blockSize === 0 ? next : GGML_TYPE.F16;
}

/**
 * The ggml type of every tensor, in order (the order matters: llama.cpp counts attn_v and ffn_down
 * tensors as it goes). Tensors llama.cpp does not quantize keep `keepType(tensor)`.
 * @param layers the model's layer count (`block_count`)
 */
export function planKQuantTypes(
  mix: KQuantMix,
  tensors: readonly KQuantTensor[],
  layers: number,
  keepType: (tensor: KQuantTensor) => number,
): number[] {
  const base = DEFAULT_TYPE[mix];
  const attnV = tensors.filter((t) => t.name.includes("attn_v.weight")).length;
  const tied = !tensors.some((t) => t.name === "output.weight");
  let iAttnV = 0;
  let iFfnDown = 0;
  return tensors.map((t) => {
    if (!quantizable(t)) return keepType(t);
    const cols = t.ne[0]!;
    let type = base;
    if (t.name === "output.weight" || (tied && t.name === "token_embd.weight")) {
      type = cols % ggmlTypeInfo(type)!.blockSize !== 0 ? GGML_TYPE.Q8_0 : GGML_TYPE.Q6_K;
    } else if (t.name.includes("attn_v.weight")) {
      if ((mix === "q4_k_m" || mix === "q5_k_m") && useMoreBits(iAttnV, attnV)) type = GGML_TYPE.Q6_K;
      iAttnV++;
    } else if (t.name.includes("ffn_down")) {
      if ((mix === "q4_k_m" || mix === "q5_k_m") && useMoreBits(iFfnDown, layers)) type = GGML_TYPE.Q6_K;
      iFfnDown++;
    }
    return fallback(type, cols);
  });
}
