/**
 * Quantizes rows of F32 values with llama.cpp's own quantization routine (`ggml_quantize_chunk`, the one
 * `llama_model_quantize` calls per tensor), in-process on libuv worker threads. Rows are independent, so
 * splitting a tensor into chunks of rows and across threads gives the same bytes as quantizing it whole.
 */
import { AtlasError, errorMessage } from "../core/index.js";
import { loadLlama, loadedLlama } from "./load-llama.js";

/**
 * Quantizes `rows` rows of `cols` values from `values` into `out` as ggml `type`, split over `threads`
 * concurrent calls. `out` must hold `rows × rowBytes(type, cols)` bytes.
 */
export async function quantizeRows(
  type: number,
  values: Float32Array,
  rows: number,
  cols: number,
  out: Uint8Array,
  threads: number,
): Promise<void> {
  const api = (loadedLlama() ?? loadLlama("cpu")).api;
  const rowBytes = Number(api.ggml_row_size(type, cols));
  if (out.length < rows * rowBytes || values.length < rows * cols)
    throw new AtlasError("NATIVE", `internal: quantization buffers too small for ${rows}×${cols}`);
  const parts = Math.max(1, Math.min(threads, rows));
  const per = Math.ceil(rows / parts);
  const calls: Promise<void>[] = [];
  for (let first = 0; first < rows; first += per) {
    const n = Math.min(per, rows - first);
    const src = values.subarray(first * cols, (first + n) * cols);
    const dst = out.subarray(first * rowBytes, (first + n) * rowBytes);
    calls.push(
      new Promise<void>((resolve, reject) => {
        api.ggml_quantize_chunk.async(type, src, dst, 0, n, cols, null, (error, written) => {
          if (error !== null && error !== undefined)
            reject(error instanceof Error ? error : new Error(errorMessage(error)));
          else if (Number(written) !== n * rowBytes)
            reject(
              new AtlasError(
                "NATIVE",
                `llama.cpp quantized ${String(written)} bytes, expected ${n * rowBytes}`,
              ),
            );
          else resolve();
        });
      }),
    );
  }
  await Promise.all(calls);
}

/** Bytes of one row of `cols` values in ggml `type`. */
export function rowBytes(type: number, cols: number): number {
  return Number((loadedLlama() ?? loadLlama("cpu")).api.ggml_row_size(type, cols));
}
