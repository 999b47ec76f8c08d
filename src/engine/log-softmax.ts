/**
 * Log-probability helpers over a logits vector. `reduceLogits` (WebAssembly SIMD) is what scoring uses;
 * `logSumExp`/`argmax` are the plain float64 references it is tested against.
 */
export { reduceLogits } from "./wasm/log-softmax-kernel.js";

/** log Σ exp(logits). */
export function logSumExp(logits: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  return max + Math.log(sum);
}

/** Index of the largest logit (first one on ties, like llama.cpp's greedy sampler). */
export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
}

/** log softmax(logits)[token] and whether `token` is the argmax. */
export function tokenLogprob(logits: Float32Array, token: number): { logprob: number; isArgmax: boolean } {
  return { logprob: logits[token]! - logSumExp(logits), isArgmax: argmax(logits) === token };
}

/** The `n` largest logits as `{ token, logprob }` (best first, lower ids first on ties), given `lse`. */
export function topLogprobs(
  logits: Float32Array,
  n: number,
  lse: number,
): { token: number; logprob: number }[] {
  if (n <= 0) return [];
  const ids: number[] = [];
  let floor = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!;
    if (ids.length === n && v <= floor) continue;
    let at = ids.length;
    while (at > 0 && logits[ids[at - 1]!]! < v) at--;
    ids.splice(at, 0, i);
    if (ids.length > n) ids.pop();
    floor = logits[ids[ids.length - 1]!]!;
  }
  return ids.map((token) => ({ token, logprob: logits[token]! - lse }));
}
