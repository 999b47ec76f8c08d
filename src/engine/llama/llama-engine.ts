/**
 * The real Engine: llama.cpp's C API through koffi (see docs/engine.md for why not node-llama-cpp's
 * high-level API). One model = one llama context with N sequences, driven by the Scheduler.
 */
import { AtlasError } from "../../core/index.js";
import { defaultThreads } from "../../config/index.js";
import type { LlamaApi, NativePointer } from "../../native/llama-api.js";
import { createCpuThreadpool, type CpuThreadpool } from "../../native/cpu-threadpool.js";
import type { LoadedLlama } from "../../native/load-llama.js";
import { logSumExp, argmax } from "../log-softmax.js";
import type {
  ContinuationScore,
  Engine,
  EngineState,
  EngineModel,
  GenerateOptions,
  GenerationStream,
  LoadModelOptions,
  ModelInfo,
} from "../types.js";
import { EvalTask } from "./eval-task.js";
import { GenerateTask } from "./generate-task.js";
import { NativeBatch } from "./native-batch.js";
import { loadNativeModel, type NativeModel } from "./native-model.js";
import { Scheduler } from "./scheduler.js";
import { selectBackend } from "./select-backend.js";

const DEFAULT_CONTEXT = 4096;
const DEFAULT_SEQUENCES = 4;
const DEFAULT_BATCH = 512;
const GGML_TYPE = { f32: 0, f16: 1, q8_0: 8 } as const;
const FLASH = { auto: -1, off: 0, on: 1 } as const;

/** The llama.cpp engine. */
export class LlamaEngine implements Engine {
  async loadModel(path: string, options: LoadModelOptions = {}): Promise<EngineModel> {
    options.signal?.throwIfAborted();
    const llama = selectBackend(options.gpu ?? "auto", options.onNotice ?? (() => {}));
    const gpuLayers = !llama.hasGpu
      ? 0
      : options.gpuLayers === undefined || options.gpuLayers === "max"
        ? 999
        : options.gpuLayers;
    const model = await loadNativeModel(llama, path, gpuLayers);
    try {
      return createModel(llama, model, path, gpuLayers, options);
    } catch (error) {
      model.free();
      throw error;
    }
  }
}

function createModel(
  llama: LoadedLlama,
  model: NativeModel,
  path: string,
  gpuLayers: number,
  options: LoadModelOptions,
): LlamaEngineModel {
  const api = llama.api;
  const sequences = options.sequences ?? DEFAULT_SEQUENCES;
  const contextSize =
    options.contextSize ?? Math.min(model.meta.trainContextSize || DEFAULT_CONTEXT, DEFAULT_CONTEXT);
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const threads = options.threads ?? defaultThreads();
  const unifiedKv = options.unifiedKv ?? true;
  if (!Number.isInteger(sequences) || sequences < 1 || sequences > 64)
    throw new AtlasError("BAD_ARGUMENT", `sequences must be 1..64, got ${sequences}`);
  if (!Number.isInteger(contextSize) || contextSize < 16)
    throw new AtlasError("BAD_ARGUMENT", `context size must be an integer ≥ 16, got ${contextSize}`);
  const params = api.context_default_params();
  params.n_ctx = contextSize * sequences;
  params.n_batch = batchSize;
  params.n_ubatch = Math.min(batchSize, 512);
  params.n_seq_max = sequences;
  params.n_threads = threads;
  params.n_threads_batch = threads;
  params.kv_unified = unifiedKv;
  params.flash_attn_type = FLASH[options.flashAttention ?? "auto"];
  params.type_k = GGML_TYPE[options.kvCacheType ?? "f16"];
  params.type_v = GGML_TYPE[options.kvCacheType ?? "f16"];
  params.no_perf = true;
  const ctx = api.init_from_model(model.handle, params);
  if (ctx === null) {
    const log = llama.recentLog().slice(-2).join(" | ");
    throw new AtlasError(
      "NATIVE",
      `llama.cpp could not create a context of ${contextSize}×${sequences} tokens${log === "" ? "" : ` (${log})`}`,
      {
        where: path,
        hint: "try a smaller --ctx-size or fewer parallel sequences",
      },
    );
  }
  const adapters: NativePointer[] = [];
  const threadpool = createCpuThreadpool(llama, threads);
  if (threadpool !== undefined) api.attach_threadpool(ctx, threadpool.pointer, threadpool.pointer);
  try {
    for (const lora of options.lora ?? []) {
      const adapter = api.adapter_lora_init(model.handle, lora.path);
      if (adapter === null) {
        throw new AtlasError(
          "INVALID_MODEL",
          `llama.cpp could not load the LoRA adapter (${llama.recentLog().slice(-1).join("")})`,
          {
            where: lora.path,
            hint: "a LoRA adapter must be a GGUF made for this model",
          },
        );
      }
      adapters.push(adapter);
    }
    if (adapters.length > 0) {
      const scales = Float32Array.from(options.lora ?? [], (l) => l.scale ?? 1);
      if (api.set_adapters_lora(ctx, adapters, adapters.length, scales) !== 0)
        throw new AtlasError("NATIVE", "llama.cpp could not apply the LoRA adapters");
    }
  } catch (error) {
    for (const adapter of adapters) api.adapter_lora_free(adapter);
    api.free(ctx);
    threadpool?.dispose();
    throw error;
  }
  const info: ModelInfo = {
    path,
    description: model.meta.description,
    architecture: model.meta.architecture,
    trainContextSize: model.meta.trainContextSize,
    contextSize,
    sequences,
    vocabSize: model.meta.vocabSize,
    parameters: model.meta.parameters,
    sizeBytes: model.meta.sizeBytes,
    chatTemplate: model.meta.chatTemplate,
    tokens: {
      bos: model.meta.bos,
      eos: model.meta.eos,
      eot: model.meta.eot,
      bosText: model.meta.bos === undefined ? "" : model.tokenText(model.meta.bos),
      eosText: model.meta.eos === undefined ? "" : model.tokenText(model.meta.eos),
      endOfGeneration: model.endOfGenerationTokens(),
    },
    addBos: model.meta.addBos,
    backend: llama.backend,
    gpuLayers,
    devices: llama.devices.map((d) => d.description || d.name),
    threads,
    lora: [...(options.lora ?? [])],
  };
  return new LlamaEngineModel(
    api,
    model,
    ctx,
    adapters,
    threadpool,
    info,
    batchSize,
    unifiedKv,
    model.meta.slidingWindow,
  );
}

class LlamaEngineModel implements EngineModel {
  private readonly batch: NativeBatch;
  private readonly scheduler: Scheduler;
  private disposed = false;

  constructor(
    private readonly api: LlamaApi,
    private readonly model: NativeModel,
    private readonly ctx: NativePointer,
    private readonly adapters: NativePointer[],
    private readonly threadpool: CpuThreadpool | undefined,
    readonly info: ModelInfo,
    batchSize: number,
    unifiedKv: boolean,
    slidingWindow: number,
  ) {
    this.batch = new NativeBatch(api, batchSize);
    this.scheduler = new Scheduler({
      api,
      ctx,
      memory: api.get_memory(ctx),
      batch: this.batch,
      sequences: info.sequences,
      contextSize: info.contextSize,
      unifiedKv,
      slidingWindow,
    });
  }

  tokenize(text: string, options: { addSpecial?: boolean; parseSpecial?: boolean } = {}): number[] {
    return this.model.tokenize(text, options.addSpecial ?? false, options.parseSpecial ?? false);
  }

  detokenize(tokens: readonly number[], options: { special?: boolean } = {}): string {
    return this.model.detokenize(tokens, options.special ?? false);
  }

  generate(prompt: readonly number[], options: GenerateOptions = {}): GenerationStream {
    this.checkOpen();
    this.checkTokens(prompt, "prompt");
    if (prompt.length >= this.info.contextSize) {
      throw new AtlasError(
        "CONTEXT_OVERFLOW",
        `the prompt is ${prompt.length} tokens but the context holds ${this.info.contextSize} (and the reply needs room too)`,
        { hint: "shorten the conversation or load the model with a larger context size (--ctx-size)" },
      );
    }
    const task = new GenerateTask(prompt, options, {
      api: this.api,
      ctx: this.ctx,
      model: this.model,
      contextSize: this.info.contextSize,
    });
    this.scheduler.submit(task);
    return {
      result: task.result,
      [Symbol.asyncIterator]: () => task.queue[Symbol.asyncIterator](),
    };
  }

  async score(
    context: readonly number[],
    continuations: readonly (readonly number[])[],
    options: { signal?: AbortSignal; cachePrompt?: boolean } = {},
  ): Promise<ContinuationScore[]> {
    this.checkOpen();
    if (context.length === 0)
      throw new AtlasError("BAD_ARGUMENT", "scoring needs a non-empty context (at least a BOS token)");
    this.checkTokens(context, "context");
    const longest = Math.max(0, ...continuations.map((c) => c.length));
    continuations.forEach((c, i) => {
      if (c.length === 0) throw new AtlasError("BAD_ARGUMENT", `continuation ${i} is empty`);
      this.checkTokens(c, `continuation ${i}`);
    });
    if (context.length + longest > this.info.contextSize) {
      throw new AtlasError(
        "CONTEXT_OVERFLOW",
        `context (${context.length}) + continuation (${longest}) tokens exceed the context of ${this.info.contextSize}`,
        {
          hint: "load the model with a larger context size",
        },
      );
    }
    const owner = {};
    const vocab = this.info.vocabSize;
    const results: ContinuationScore[] = continuations.map(() => ({
      logprob: 0,
      isGreedy: true,
      tokenLogprobs: [],
    }));
    const record = (i: number, logits: Float32Array, next: number, lse: number, best: number): void => {
      const lp = logits[next]! - lse;
      const r = results[i]!;
      r.tokenLogprobs.push(lp);
      r.logprob += lp;
      if (best !== next) r.isGreedy = false;
    };
    try {
      const first = new EvalTask({
        request: { kind: "any", prefix: options.cachePrompt === false ? [] : context, hold: owner },
        tokens: context,
        wants: (p) => p === context.length - 1,
        onLogits: (_p, logits) => {
          const lse = logSumExp(logits);
          const best = argmax(logits);
          continuations.forEach((c, i) => record(i, logits, c[0]!, lse, best));
        },
        signal: options.signal,
        api: this.api,
        ctx: this.ctx,
        vocabSize: vocab,
      });
      this.scheduler.submit(first);
      await first.finished;
      const holder = this.scheduler.slots.find((s) => s.heldBy === owner)!;
      const tasks = continuations.flatMap((c, i) => {
        if (c.length < 2) return [];
        const task = new EvalTask({
          request: { kind: "copy", source: holder, length: context.length, owner },
          tokens: [...context, ...c.slice(0, -1)],
          wants: (p) => p >= context.length,
          onLogits: (p, logits) =>
            record(i, logits, c[p - context.length + 1]!, logSumExp(logits), argmax(logits)),
          signal: options.signal,
          api: this.api,
          ctx: this.ctx,
          vocabSize: vocab,
        });
        this.scheduler.submit(task);
        return [task.finished];
      });
      await Promise.all(tasks);
      return results;
    } finally {
      this.scheduler.release(owner);
    }
  }

  async logits(tokens: readonly number[], options: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    this.checkOpen();
    this.checkTokens(tokens, "tokens");
    if (tokens.length === 0) return [];
    if (tokens.length > this.info.contextSize) {
      throw new AtlasError(
        "CONTEXT_OVERFLOW",
        `${tokens.length} tokens exceed the context of ${this.info.contextSize}`,
      );
    }
    const out: Float32Array[] = [];
    const task = new EvalTask({
      request: { kind: "any", prefix: [] },
      tokens,
      wants: () => true,
      onLogits: (_p, logits) => out.push(Float32Array.from(logits)),
      signal: options.signal,
      api: this.api,
      ctx: this.ctx,
      vocabSize: this.info.vocabSize,
    });
    this.scheduler.submit(task);
    await task.finished;
    return out;
  }

  state(): EngineState {
    const slots = this.scheduler.slots;
    const busy = slots.filter((s) => s.task !== undefined || s.heldBy !== undefined).length;
    return {
      sequences: this.info.sequences,
      active: busy,
      queued: this.scheduler.queued,
      maxQueue: Number.POSITIVE_INFINITY,
      freeSlots: slots.length - busy,
      kvCellsUsed: slots.reduce((n, s) => n + s.history.length, 0),
      kvCells: this.info.contextSize * this.info.sequences,
      batchInvariant: false,
    };
  }

  private checkTokens(tokens: readonly number[], what: string): void {
    const vocab = this.info.vocabSize;
    for (const t of tokens) {
      if (!Number.isInteger(t) || t < 0 || t >= vocab)
        throw new AtlasError(
          "BAD_ARGUMENT",
          `${what} has token id ${t}, outside the vocabulary 0..${vocab - 1}`,
        );
    }
  }

  private checkOpen(): void {
    if (this.disposed)
      throw new AtlasError("BAD_ARGUMENT", "the model was disposed", { hint: "load it again" });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.scheduler.close();
    this.batch.dispose();
    for (const adapter of this.adapters) this.api.adapter_lora_free(adapter);
    this.api.free(this.ctx);
    this.threadpool?.dispose();
    this.model.free();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
