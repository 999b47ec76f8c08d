/**
 * A plain-loop reference Gemma-2 forward pass over Hugging Face-named weights, accumulating in float64.
 * Slow on purpose: it is the yardstick that converted models (GGUF through llama.cpp) are compared with,
 * so it follows transformers' `modeling_gemma2.py` equations one by one instead of being clever.
 */

/** The model hyper-parameters the forward pass needs (names as in Hugging Face's config.json). */
export interface Gemma2ReferenceConfig {
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  intermediate_size: number;
  vocab_size: number;
  sliding_window: number;
  query_pre_attn_scalar: number;
  attn_logit_softcapping: number;
  final_logit_softcapping: number;
  rms_norm_eps: number;
  rope_theta: number;
}

/** One tensor: row-major `[out, in]` for matrices, as stored in the checkpoint. */
export interface ReferenceTensor {
  shape: readonly number[];
  data: Float32Array;
}

/** Tensors by Hugging Face name (`model.embed_tokens.weight`, `model.layers.0.self_attn.q_proj.weight`, …). */
export type Gemma2Weights = ReadonlyMap<string, ReferenceTensor>;

/**
 * Picks the reference config out of a parsed `config.json` (extra keys ignored), checking each field.
 * Accepts transformers v5's `rope_parameters.rope_theta` as well as `rope_theta`.
 */
export function referenceConfigFromJson(json: Record<string, unknown>): Gemma2ReferenceConfig {
  const num = (key: string, fallback?: number): number => {
    const value = json[key] ?? fallback;
    if (typeof value !== "number") throw new Error(`config.json: ${key} must be a number`);
    return value;
  };
  const ropeParameters = json["rope_parameters"];
  const ropeFromParameters =
    typeof ropeParameters === "object" && ropeParameters !== null && "rope_theta" in ropeParameters
      ? Number(ropeParameters.rope_theta)
      : undefined;
  return {
    hidden_size: num("hidden_size"),
    num_hidden_layers: num("num_hidden_layers"),
    num_attention_heads: num("num_attention_heads"),
    num_key_value_heads: num("num_key_value_heads"),
    head_dim: num("head_dim"),
    intermediate_size: num("intermediate_size"),
    vocab_size: num("vocab_size"),
    sliding_window: num("sliding_window"),
    query_pre_attn_scalar: num("query_pre_attn_scalar"),
    attn_logit_softcapping: num("attn_logit_softcapping", 50),
    final_logit_softcapping: num("final_logit_softcapping", 30),
    rms_norm_eps: num("rms_norm_eps", 1e-6),
    rope_theta: num("rope_theta", ropeFromParameters ?? 10000),
  };
}

/** The tensor `name`, checked against the expected shape. */
function tensor(weights: Gemma2Weights, name: string, shape: readonly number[]): Float32Array {
  const t = weights.get(name);
  if (t === undefined) throw new Error(`reference gemma2: missing tensor ${name}`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(
      `reference gemma2: ${name} has shape [${t.shape.join(", ")}], expected [${shape.join(", ")}]`,
    );
  }
  return t.data;
}

/** y = W·x for row-major W of shape [rows, x.length]. */
function matVec(w: Float32Array, x: Float64Array, rows: number): Float64Array {
  const cols = x.length;
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    const base = r * cols;
    for (let c = 0; c < cols; c++) sum += w[base + c]! * x[c]!;
    y[r] = sum;
  }
  return y;
}

/** Gemma's RMSNorm: x / sqrt(mean(x²) + eps) · (1 + w) — checkpoints store w, centred on 0. */
function rmsNorm(x: Float64Array, w: Float32Array, eps: number): Float64Array {
  let sumSquares = 0;
  for (const v of x) sumSquares += v * v;
  const scale = 1 / Math.sqrt(sumSquares / x.length + eps);
  return x.map((v, i) => v * scale * (1 + w[i]!));
}

/** The tanh approximation of GELU (PyTorch's `gelu(approximate="tanh")`). */
function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

/** cap · tanh(x / cap). */
function softCap(x: number, cap: number): number {
  return Math.tanh(x / cap) * cap;
}

/**
 * Rotates each head of `v` in place by RoPE, NeoX style: dimension i pairs with i + headDim/2, and the
 * pair turns by pos · theta^(−2i/headDim).
 */
function rope(v: Float64Array, heads: number, headDim: number, pos: number, theta: number): void {
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    const base = h * headDim;
    for (let i = 0; i < half; i++) {
      const angle = pos * Math.pow(theta, (-2 * i) / headDim);
      const cos = Math.cos(angle);
      const sin = Math.sin(angle);
      const a = v[base + i]!;
      const b = v[base + i + half]!;
      v[base + i] = a * cos - b * sin;
      v[base + i + half] = b * cos + a * sin;
    }
  }
}

/**
 * Runs the model over `tokenIds` (positions 0…n−1, causal) and returns the soft-capped logits of every
 * position (each a Float32Array of vocab_size).
 *
 * @example
 * const cp = await writeGemma2Checkpoint(dir);
 * const logits = forward(referenceConfigFromJson(cp.config), cp.weights!, [2, 300, 301]);
 */
export function forward(
  config: Gemma2ReferenceConfig,
  weights: Gemma2Weights,
  tokenIds: readonly number[],
): Float32Array[] {
  // Tied output: logits = norm(h) · embed_tokensᵀ, then the final soft-cap.
  const embed = tensor(weights, "model.embed_tokens.weight", [config.vocab_size, config.hidden_size]);
  return finalHidden(config, weights, tokenIds).map((x) => {
    const logits = matVec(embed, x, config.vocab_size);
    return Float32Array.from(logits, (l) => softCap(l, config.final_logit_softcapping));
  });
}

/** The hidden state at every position after the final norm (what the output projection reads). */
export function finalHidden(
  config: Gemma2ReferenceConfig,
  weights: Gemma2Weights,
  tokenIds: readonly number[],
): Float64Array[] {
  const H = config.hidden_size;
  const nH = config.num_attention_heads;
  const nKV = config.num_key_value_heads;
  const hd = config.head_dim;
  const FF = config.intermediate_size;
  const V = config.vocab_size;
  const eps = config.rms_norm_eps;
  if (nH % nKV !== 0)
    throw new Error("reference gemma2: num_attention_heads must be a multiple of num_key_value_heads");
  const groupSize = nH / nKV;
  const n = tokenIds.length;

  const embed = tensor(weights, "model.embed_tokens.weight", [V, H]);
  const embedScale = Math.sqrt(H);
  const hidden: Float64Array[] = tokenIds.map((id) => {
    if (!Number.isInteger(id) || id < 0 || id >= V)
      throw new RangeError(`reference gemma2: token id ${id} out of range`);
    return Float64Array.from(embed.subarray(id * H, (id + 1) * H), (v) => v * embedScale);
  });

  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    const p = `model.layers.${layer}.`;
    const inputNorm = tensor(weights, `${p}input_layernorm.weight`, [H]);
    const postAttnNorm = tensor(weights, `${p}post_attention_layernorm.weight`, [H]);
    const preFfnNorm = tensor(weights, `${p}pre_feedforward_layernorm.weight`, [H]);
    const postFfnNorm = tensor(weights, `${p}post_feedforward_layernorm.weight`, [H]);
    const wq = tensor(weights, `${p}self_attn.q_proj.weight`, [nH * hd, H]);
    const wk = tensor(weights, `${p}self_attn.k_proj.weight`, [nKV * hd, H]);
    const wv = tensor(weights, `${p}self_attn.v_proj.weight`, [nKV * hd, H]);
    const wo = tensor(weights, `${p}self_attn.o_proj.weight`, [H, nH * hd]);
    const wGate = tensor(weights, `${p}mlp.gate_proj.weight`, [FF, H]);
    const wUp = tensor(weights, `${p}mlp.up_proj.weight`, [FF, H]);
    const wDown = tensor(weights, `${p}mlp.down_proj.weight`, [H, FF]);
    // Even (0-based) layers see only the last `sliding_window` positions; odd layers are global.
    const window = layer % 2 === 0 ? config.sliding_window : Infinity;

    // Attention: all positions' q, k, v first, then each query over its visible keys.
    const qs: Float64Array[] = [];
    const ks: Float64Array[] = [];
    const vs: Float64Array[] = [];
    for (let pos = 0; pos < n; pos++) {
      const x = rmsNorm(hidden[pos]!, inputNorm, eps);
      const q = matVec(wq, x, nH * hd);
      const k = matVec(wk, x, nKV * hd);
      rope(q, nH, hd, pos, config.rope_theta);
      rope(k, nKV, hd, pos, config.rope_theta);
      qs.push(q);
      ks.push(k);
      vs.push(matVec(wv, x, nKV * hd));
    }
    const scale = 1 / Math.sqrt(config.query_pre_attn_scalar);
    for (let pos = 0; pos < n; pos++) {
      const attn = new Float64Array(nH * hd);
      const first = Math.max(0, pos - window + 1);
      for (let h = 0; h < nH; h++) {
        const kvHead = Math.floor(h / groupSize);
        const q = qs[pos]!;
        const scores: number[] = [];
        for (let j = first; j <= pos; j++) {
          let dot = 0;
          for (let d = 0; d < hd; d++) dot += q[h * hd + d]! * ks[j]![kvHead * hd + d]!;
          scores.push(softCap(dot * scale, config.attn_logit_softcapping));
        }
        const max = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - max));
        const total = exps.reduce((a, b) => a + b, 0);
        exps.forEach((e, idx) => {
          const v = vs[first + idx]!;
          for (let d = 0; d < hd; d++) attn[h * hd + d]! += (e / total) * v[kvHead * hd + d]!;
        });
      }
      const out = rmsNorm(matVec(wo, attn, H), postAttnNorm, eps);
      hidden[pos] = hidden[pos]!.map((v, i) => v + out[i]!);
    }

    // Feed-forward (GeGLU), per position.
    for (let pos = 0; pos < n; pos++) {
      const x = rmsNorm(hidden[pos]!, preFfnNorm, eps);
      const gate = matVec(wGate, x, FF);
      const up = matVec(wUp, x, FF);
      const act = gate.map((g, i) => geluTanh(g) * up[i]!);
      const out = rmsNorm(matVec(wDown, act, H), postFfnNorm, eps);
      hidden[pos] = hidden[pos]!.map((v, i) => v + out[i]!);
    }
  }

  const finalNorm = tensor(weights, "model.norm.weight", [H]);
  return hidden.map((h) => rmsNorm(h, finalNorm, eps));
}
