/**
 * The real Engine: llama.cpp's C API through koffi (see docs/engine.md for why not node-llama-cpp's
 * high-level API). One model = one llama context with N sequences, driven by the Scheduler.
 */
import { loadavg } from "node:os";
import { AtlasError } from "../../core/index.js";
import { defaultThreads } from "../../config/index.js";
import type { NativePointer } from "../../native/llama-api.js";
import { createCpuThreadpool } from "../../native/cpu-threadpool.js";
import type { LoadedLlama } from "../../native/load-llama.js";
import { NativeBatch } from "../../native/native-batch.js";
import type { Engine, EngineModel, LoadModelOptions, ModelInfo } from "../types.js";
import { MAX_INVARIANT_CHUNK } from "./batch-plan.js";
import { EMBED_CHUNK } from "./embedder.js";
import { freeResources, LlamaEngineModel, type NativeResources } from "./llama-engine-model.js";
import { LOAD_DEFAULTS, validateLoadOptions } from "./load-options.js";
import { loadNativeModel, type NativeModel } from "./native-model.js";
import { selectBackend } from "./select-backend.js";
import { ThreadGovernor } from "./thread-governor.js";

const GGML_TYPE = { f32: 0, f16: 1, q8_0: 8 } as const;
const FLASH = { auto: -1, off: 0, on: 1 } as const;
const POOLING_NONE = 0;
/** A 1-minute load average this high at load time means another process is already using a core. */
const BUSY_LOAD = 0.75;

/** The llama.cpp engine. */
export class LlamaEngine implements Engine {
  async loadModel(path: string, input: LoadModelOptions = {}): Promise<EngineModel> {
    const options = validateLoadOptions(input);
    options.signal?.throwIfAborted();
    const notice = options.onNotice ?? (() => {});
    const llama = selectBackend(options.gpu ?? "auto", notice);
    const gpuLayers = !llama.hasGpu
      ? 0
      : options.gpuLayers === undefined || options.gpuLayers === "max"
        ? 999
        : options.gpuLayers;
    if (options.batchInvariant === true && gpuLayers > 0)
      notice("batch-invariant results are verified on the CPU backend only; on a GPU they may still vary");
    const model = await loadNativeModel(llama, path, {
      gpuLayers,
      mlock: options.mlock === true,
      // Repacked weights switch kernels with the batch's row count (gemv vs 4-row gemm).
      repack: options.batchInvariant !== true,
    });
    try {
      return createModel(llama, model, path, gpuLayers, options);
    } catch (error) {
      model.free();
      throw error;
    }
  }
}

/** Creates the context, threadpool, adapters and batch; frees whatever was made if a later step fails. */
function createModel(
  llama: LoadedLlama,
  model: NativeModel,
  path: string,
  gpuLayers: number,
  options: LoadModelOptions,
): LlamaEngineModel {
  const api = llama.api;
  const invariant = options.batchInvariant === true;
  const sequences = options.sequences ?? LOAD_DEFAULTS.sequences;
  // Batch-invariant padding needs a second sequence even when one is asked for.
  const spares = invariant && sequences === 1 ? 1 : 0;
  const contextSize =
    options.contextSize ??
    Math.min(model.meta.trainContextSize || LOAD_DEFAULTS.contextSize, LOAD_DEFAULTS.contextSize);
  const batchSize = invariant
    ? Math.max(MAX_INVARIANT_CHUNK + 1, sequences + spares)
    : (options.batchSize ?? LOAD_DEFAULTS.batchSize);
  const threads = options.threads ?? defaultThreads();
  const threadsBatch = options.threadsBatch ?? threads;
  const unifiedKv = invariant ? false : (options.unifiedKv ?? true);
  const params = api.context_default_params();
  params.n_ctx = contextSize * (sequences + spares);
  params.n_batch = batchSize;
  params.n_ubatch = invariant ? batchSize : Math.min(batchSize, 512);
  params.n_seq_max = sequences + spares;
  params.n_threads = threads;
  params.n_threads_batch = threadsBatch;
  params.kv_unified = unifiedKv;
  params.swa_full = true;
  params.flash_attn_type = FLASH[invariant ? "on" : (options.flashAttention ?? "auto")];
  params.type_k = GGML_TYPE[options.kvCacheType ?? "f16"];
  params.type_v = GGML_TYPE[options.kvCacheType ?? "f16"];
  params.no_perf = true;
  const ctx = initContext(llama, model, params, `a context of ${contextSize}×${sequences} tokens`, {
    where: path,
    hint: "try a smaller --ctx-size or fewer parallel sequences",
  });
  const resources: NativeResources = { ctx, adapters: [], threadpools: [], batch: undefined };
  try {
    const pool = { poll: options.threadPoll ?? 0, priority: options.threadPriority ?? "normal" };
    const generation = createCpuThreadpool(llama, threads, pool);
    const prompt = threadsBatch === threads ? generation : createCpuThreadpool(llama, threadsBatch, pool);
    for (const p of new Set([generation, prompt])) if (p !== undefined) resources.threadpools.push(p);
    if (generation !== undefined && prompt !== undefined)
      api.attach_threadpool(ctx, generation.pointer, prompt.pointer);
    applyLora(llama, model, ctx, options, resources.adapters);
    resources.batch = new NativeBatch(api, batchSize);
    const info = modelInfo(llama, model, path, gpuLayers, { contextSize, sequences, threads, options });
    // The embedding context (embedder.ts): one sequence of the full context, every token an output, the
    // same threadpool (its decodes never overlap the main context's), KV type, attention and adapters.
    const createEmbedContext = (): NativePointer => {
      const p = api.context_default_params();
      p.n_ctx = contextSize;
      p.n_batch = EMBED_CHUNK;
      p.n_ubatch = EMBED_CHUNK;
      p.n_seq_max = 1;
      p.n_threads = threadsBatch;
      p.n_threads_batch = threadsBatch;
      p.embeddings = true;
      p.pooling_type = POOLING_NONE;
      p.swa_full = true;
      p.flash_attn_type = params.flash_attn_type;
      p.type_k = params.type_k;
      p.type_v = params.type_v;
      p.no_perf = true;
      const embedCtx = initContext(llama, model, p, `the embedding context of ${contextSize} tokens`, {
        where: path,
        hint: "load the model with a smaller --ctx-size",
      });
      if (generation !== undefined && prompt !== undefined)
        api.attach_threadpool(embedCtx, prompt.pointer, prompt.pointer);
      try {
        setAdapters(api, embedCtx, resources.adapters, options, " to the embedding context");
      } catch (error) {
        api.free(embedCtx);
        throw error;
      }
      return embedCtx;
    };
    return new LlamaEngineModel({
      api,
      model,
      resources,
      info,
      unifiedKv,
      invariant,
      spares,
      maxQueue: options.maxQueue ?? LOAD_DEFAULTS.maxQueue,
      createEmbedContext,
      onStep: options.onStep,
      // On the CPU only: a GPU decode does not wait for descheduled CPU threads at every operation.
      governor:
        options.adaptiveThreads === false || gpuLayers > 0
          ? undefined
          : new ThreadGovernor(
              threads,
              (n) => api.set_n_threads(ctx, n, threadsBatch),
              loadavg()[0]! >= BUSY_LOAD,
            ),
    });
  } catch (error) {
    freeResources(api, resources);
    throw error;
  }
}

function applyLora(
  llama: LoadedLlama,
  model: NativeModel,
  ctx: NativePointer,
  options: LoadModelOptions,
  adapters: NativePointer[],
): void {
  const api = llama.api;
  for (const lora of options.lora ?? []) {
    const adapter = api.adapter_lora_init(model.handle, lora.path);
    if (adapter === null) {
      throw new AtlasError(
        "INVALID_MODEL",
        `llama.cpp could not load the LoRA adapter (${llama.recentLog().slice(-1).join("")})`,
        { where: lora.path, hint: "a LoRA adapter must be a GGUF made for this model" },
      );
    }
    adapters.push(adapter);
  }
  setAdapters(api, ctx, adapters, options);
}

/** Applies loaded adapters to a context at the scales `options.lora` gives (`to` ends the error message). */
function setAdapters(
  api: LoadedLlama["api"],
  ctx: NativePointer,
  adapters: NativePointer[],
  options: LoadModelOptions,
  to = "",
): void {
  if (adapters.length === 0) return;
  const scales = Float32Array.from(options.lora ?? [], (l) => l.scale ?? 1);
  if (api.set_adapters_lora(ctx, adapters, adapters.length, scales) !== 0)
    throw new AtlasError("NATIVE", `llama.cpp could not apply the LoRA adapters${to}`);
}

/**
 * Creates a llama.cpp context of `model`.
 * @throws AtlasError CAPACITY naming `what` and llama.cpp's last log lines when it cannot
 */
function initContext(
  llama: LoadedLlama,
  model: NativeModel,
  params: Parameters<LoadedLlama["api"]["init_from_model"]>[1],
  what: string,
  at: { where: string; hint: string },
): NativePointer {
  const ctx = llama.api.init_from_model(model.handle, params);
  if (ctx !== null) return ctx;
  const log = llama.recentLog().slice(-2).join(" | ");
  throw new AtlasError("CAPACITY", `llama.cpp could not create ${what}${log === "" ? "" : ` (${log})`}`, at);
}

function modelInfo(
  llama: LoadedLlama,
  model: NativeModel,
  path: string,
  gpuLayers: number,
  c: { contextSize: number; sequences: number; threads: number; options: LoadModelOptions },
): ModelInfo {
  const meta = model.meta;
  return {
    path,
    description: meta.description,
    architecture: meta.architecture,
    trainContextSize: meta.trainContextSize,
    contextSize: c.contextSize,
    sequences: c.sequences,
    vocabSize: meta.vocabSize,
    parameters: meta.parameters,
    sizeBytes: meta.sizeBytes,
    chatTemplate: meta.chatTemplate,
    tokens: {
      bos: meta.bos,
      eos: meta.eos,
      eot: meta.eot,
      bosText: meta.bos === undefined ? "" : model.tokenText(meta.bos),
      eosText: meta.eos === undefined ? "" : model.tokenText(meta.eos),
      endOfGeneration: model.endOfGenerationTokens(),
    },
    addBos: meta.addBos,
    backend: llama.backend,
    gpuLayers,
    devices: llama.devices.map((d) => d.description || d.name),
    threads: c.threads,
    lora: [...(c.options.lora ?? [])],
    batchInvariant: c.options.batchInvariant === true,
    embeddingSize: meta.embeddingSize,
  };
}
