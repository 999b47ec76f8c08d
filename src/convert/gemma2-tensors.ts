/**
 * Gemma-2 tensor names and shapes: Hugging Face name → GGUF name, the shape each must have, and which
 * tensors are norms (stored F32, with the +1 Gemma folds into RMSNorm weights at conversion time).
 */
import type { Gemma2Hparams } from "./gemma2-config.js";

/** How one Hugging Face tensor becomes a GGUF tensor. */
export interface Gemma2TensorSpec {
  hfName: string;
  ggufName: string;
  /** Expected PyTorch shape (outermost first). */
  shape: number[];
  /** RMSNorm weight: stored F32 with +1 added. */
  isNorm: boolean;
  /** q_proj: the tensor the attention-scale fix multiplies. */
  isQuery: boolean;
}

/** Per-layer tensors: HF suffix → GGUF suffix. */
const LAYER_TENSORS: ReadonlyArray<[hf: string, gguf: string]> = [
  ["input_layernorm", "attn_norm"],
  ["self_attn.q_proj", "attn_q"],
  ["self_attn.k_proj", "attn_k"],
  ["self_attn.v_proj", "attn_v"],
  ["self_attn.o_proj", "attn_output"],
  ["post_attention_layernorm", "post_attention_norm"],
  ["pre_feedforward_layernorm", "ffn_norm"],
  ["mlp.gate_proj", "ffn_gate"],
  ["mlp.up_proj", "ffn_up"],
  ["mlp.down_proj", "ffn_down"],
  ["post_feedforward_layernorm", "post_ffw_norm"],
];

const LAYER_GGUF = new Map(LAYER_TENSORS);

/**
 * The GGUF name of a Gemma-2 Hugging Face tensor (`model.layers.3.self_attn.q_proj.weight` →
 * `blk.3.attn_q.weight`), or undefined when Gemma-2 has no tensor of that name. Used to map LoRA adapters.
 */
export function gemma2GgufName(hfName: string): string | undefined {
  if (hfName === "model.embed_tokens.weight") return "token_embd.weight";
  if (hfName === "model.norm.weight") return "output_norm.weight";
  const match = /^model\.layers\.(\d+)\.(.+)\.weight$/.exec(hfName);
  const gguf = match === null ? undefined : LAYER_GGUF.get(match[2]!);
  return gguf === undefined ? undefined : `blk.${Number(match![1])}.${gguf}.weight`;
}

/** HF tensors llama.cpp's converter drops: the (tied) LM head and RoPE caches some exports carry. */
export function isDroppedTensor(hfName: string): boolean {
  return hfName === "lm_head.weight" || hfName.endsWith(".rotary_emb.inv_freq");
}

/** Every tensor a Gemma-2 checkpoint with hyper-parameters `h` must hold, keyed by HF name. */
export function gemma2TensorSpecs(h: Gemma2Hparams): Map<string, Gemma2TensorSpec> {
  const specs = new Map<string, Gemma2TensorSpec>();
  const add = (hfName: string, ggufName: string, shape: number[]): void => {
    specs.set(hfName, {
      hfName,
      ggufName,
      shape,
      isNorm: ggufName.endsWith("norm.weight"),
      isQuery: ggufName.endsWith("attn_q.weight"),
    });
  };
  const H = h.hiddenSize;
  const q = h.numHeads * h.headDim;
  const kv = h.numKvHeads * h.headDim;
  const ff = h.intermediateSize;
  const shapes: Record<string, number[]> = {
    input_layernorm: [H],
    "self_attn.q_proj": [q, H],
    "self_attn.k_proj": [kv, H],
    "self_attn.v_proj": [kv, H],
    "self_attn.o_proj": [H, q],
    post_attention_layernorm: [H],
    pre_feedforward_layernorm: [H],
    "mlp.gate_proj": [ff, H],
    "mlp.up_proj": [ff, H],
    "mlp.down_proj": [H, ff],
    post_feedforward_layernorm: [H],
  };
  add("model.embed_tokens.weight", "token_embd.weight", [h.vocabSize, H]);
  for (let layer = 0; layer < h.numLayers; layer++)
    for (const [hf, gguf] of LAYER_TENSORS)
      add(`model.layers.${layer}.${hf}.weight`, `blk.${layer}.${gguf}.weight`, shapes[hf]!);
  add("model.norm.weight", "output_norm.weight", [H]);
  return specs;
}
