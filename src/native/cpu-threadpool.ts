/**
 * A persistent ggml CPU threadpool for one llama context. Without it, ggml creates and joins its worker
 * threads on every llama_decode call (a "disposable" threadpool), which costs ~10% of generation speed
 * on a 2-core machine; llama.cpp's own tools attach one the same way (common_threadpools in common.cpp).
 */
import koffi from "koffi";
import type { NativePointer } from "./llama-api.js";
import { ThreadpoolFreeProto, ThreadpoolNewProto } from "./llama-api.js";
import type { LoadedLlama } from "./load-llama.js";

const GGML_BACKEND_DEVICE_TYPE_CPU = 0;

/** A threadpool attached to a context; call `dispose` after freeing the context. */
export interface CpuThreadpool {
  readonly pointer: NativePointer;
  dispose(): void;
}

/** ggml's `enum ggml_sched_priority`. */
export const THREAD_PRIORITIES = { low: -1, normal: 0, medium: 1, high: 2, realtime: 3 } as const;

/** How the pool's threads wait and run. */
export interface ThreadpoolOptions {
  /**
   * How long idle threads spin before sleeping, 0–100 (ggml's "poll" level; ggml's default is 50, about
   * 6.5 M spin rounds). Spinning threads compete with the JavaScript thread that samples between
   * decodes, so atlas defaults to 0: threads sleep on a condition variable between decodes.
   */
  poll: number;
  priority: keyof typeof THREAD_PRIORITIES;
}

/**
 * Creates a threadpool of `threads` threads through the CPU backend's exported constructor.
 * Returns undefined when the backend does not export it (then llama.cpp's per-call threads are used).
 */
export function createCpuThreadpool(
  llama: LoadedLlama,
  threads: number,
  options: ThreadpoolOptions = { poll: 0, priority: "normal" },
): CpuThreadpool | undefined {
  const api = llama.api;
  const device = api.ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
  const reg = device === null ? null : api.ggml_backend_dev_backend_reg(device);
  if (reg === null) return undefined;
  const create = api.ggml_backend_reg_get_proc_address(reg, "ggml_threadpool_new");
  const destroy = api.ggml_backend_reg_get_proc_address(reg, "ggml_threadpool_free");
  if (create === null || destroy === null) return undefined;
  const params = api.ggml_threadpool_params_default(threads);
  params.poll = options.poll;
  params.prio = THREAD_PRIORITIES[options.priority];
  const pointer = koffi.call(create, ThreadpoolNewProto, params) as NativePointer | null;
  if (pointer === null) return undefined;
  let disposed = false;
  return {
    pointer,
    dispose() {
      if (disposed) return;
      disposed = true;
      koffi.call(destroy, ThreadpoolFreeProto, pointer);
    },
  };
}
