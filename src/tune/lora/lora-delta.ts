/**
 * The merged weight W' = W + s·B·A, a chunk of rows at a time: row o of W gains s·Σₖ B[o,k]·A[k,·].
 * Accumulates each row in float64 and adds once, so the result is the exact product rounded to F32.
 */

/** The factor of B·A: llama.cpp's `scale · alpha / r`, or `scale` when alpha is 0. */
export function loraScale(alpha: number, rank: number, scale: number): number {
  return alpha === 0 ? scale : (scale * alpha) / rank;
}

/**
 * Adds `factor`·B·A to `rows` rows of `values` (row-major, `inDim` each) starting at row `firstRow`.
 * @param a [rank][inDim] row-major
 * @param b [outDim][rank] row-major
 */
export function addLoraRows(
  values: Float32Array,
  firstRow: number,
  rows: number,
  a: Float32Array,
  b: Float32Array,
  rank: number,
  inDim: number,
  factor: number,
): void {
  const acc = new Float64Array(inDim);
  for (let r = 0; r < rows; r++) {
    acc.fill(0);
    const bRow = (firstRow + r) * rank;
    for (let k = 0; k < rank; k++) {
      const coefficient = b[bRow + k]!;
      if (coefficient === 0) continue;
      const aRow = k * inDim;
      for (let i = 0; i < inDim; i++) acc[i]! += coefficient * a[aRow + i]!;
    }
    const out = r * inDim;
    for (let i = 0; i < inDim; i++) values[out + i]! += factor * acc[i]!;
  }
}
