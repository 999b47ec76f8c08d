/** A model loaded by the llama.cpp engine: validates requests at its entry and runs them on the Scheduler. */
import {
  AtlasError,
  validateGenerateOptions,
  checkEmbedLength,
  validateEmbedOptions,
  validateScoreOptions,
  validateScoreRequest,
  validateTokens,
} from "../../core/index.js";
import type { LlamaApi, NativePointer } from "../../native/llama-api.js";
import type { CpuThreadpool } from "../../native/cpu-threadpool.js";
import type { NativeBatch } from "../../native/native-batch.js";
import { checkChoiceCount, choiceOptions } from "../choices.js";
import { reduceLogits, topLogprobs } from "../log-softmax.js";
import type {
  ContinuationScore,
  EmbedOptions,
  EngineModel,
  EngineState,
  GenerateOptions,
  GenerationStream,
  ModelInfo,
  ScoreOptions,
} from "../types.js";
import { Embedder } from "./embedder.js";
import { EvalTask } from "./eval-task.js";
import { GenerateTask, type GenerateTaskLinks } from "./generate-task.js";
import type { NativeModel } from "./native-model.js";
import { Scheduler, unloaded } from "./scheduler.js";

/** Native objects owned by one loaded model (freed by dispose, or by createModel when it fails). */
export interface NativeResources {
  ctx: NativePointer;
  adapters: NativePointer[];
  threadpools: CpuThreadpool[];
  batch: NativeBatch | undefined;
}

export interface LlamaEngineModelInit {
  api: LlamaApi;
  model: NativeModel;
  resources: NativeResources;
  info: ModelInfo;
  unifiedKv: boolean;
  invariant: boolean;
  spares: number;
  maxQueue: number;
  /** Creates the embedding context on the first `embed` (embedder.ts). */
  createEmbedContext: () => NativePointer;
}

export class LlamaEngineModel implements EngineModel {
  readonly info: ModelInfo;
  private readonly api: LlamaApi;
  private readonly model: NativeModel;
  private readonly ctx: NativePointer;
  private readonly scheduler: Scheduler;
  private readonly embedder: Embedder;
  private readonly maxQueue: number;
  private disposed: Promise<void> | undefined;

  constructor(private readonly init: LlamaEngineModelInit) {
    this.api = init.api;
    this.model = init.model;
    this.ctx = init.resources.ctx;
    this.info = init.info;
    this.maxQueue = init.maxQueue;
    this.scheduler = new Scheduler({
      api: init.api,
      ctx: this.ctx,
      memory: init.api.get_memory(this.ctx),
      batch: init.resources.batch!,
      sequences: init.info.sequences,
      contextSize: init.info.contextSize,
      unifiedKv: init.unifiedKv,
      slidingWindow: init.model.meta.slidingWindow,
      maxQueue: init.maxQueue,
      invariant: init.invariant,
      spares: init.spares,
      paddingToken: init.model.meta.bos ?? 0,
    });
    this.embedder = new Embedder({
      api: init.api,
      create: init.createEmbedContext,
      exclusive: (fn) => this.scheduler.exclusive(fn),
      embeddingSize: init.info.embeddingSize,
      maxQueue: init.maxQueue,
    });
  }

  tokenize(text: string, options: { addSpecial?: boolean; parseSpecial?: boolean } = {}): number[] {
    return this.model.tokenize(text, options.addSpecial ?? false, options.parseSpecial ?? false);
  }

  detokenize(tokens: readonly number[], options: { special?: boolean } = {}): string {
    return this.model.detokenize(tokens, options.special ?? false);
  }

  generate(prompt: readonly number[], input: GenerateOptions = {}): GenerationStream {
    const options = this.checkGenerate(prompt, input);
    const release = this.scheduler.admit();
    let task: GenerateTask;
    try {
      task = this.generateTask(prompt, options, { release });
    } catch (error) {
      release(); // a grammar llama.cpp cannot parse: nothing was queued
      throw error;
    }
    this.scheduler.submit(task);
    return streamOf(task);
  }

  generateChoices(prompt: readonly number[], n: number, input: GenerateOptions = {}): GenerationStream[] {
    const options = this.checkGenerate(prompt, input);
    checkChoiceCount(n, this.info.sequences);
    const release = this.scheduler.admit(n);
    if (n === 1) {
      // No copies to make: exactly generate().
      try {
        const task = this.generateTask(prompt, options, { release });
        this.scheduler.submit(task);
        return [streamOf(task)];
      } catch (error) {
        release();
        throw error;
      }
    }
    // Choice 0 evaluates the prompt in a slot it holds for the group; the moment the prompt's last
    // logits exist, every other choice samples its first token from that same row and takes a copy of
    // the prompt's KV into a sequence of its own (before the next decode), then decodes on its own.
    const owner = {};
    const awaitingCopy = new Set<GenerateTask>();
    let shared = false;
    let distributing = false;
    let holding = true;
    const unhold = (): void => {
      if (!holding || distributing || (shared && awaitingCopy.size > 0)) return;
      holding = false;
      this.scheduler.release(owner);
    };
    const siblings: GenerateTask[] = [];
    let primary: GenerateTask | undefined;
    try {
      primary = this.generateTask(prompt, choiceOptions(options, 0), {
        release,
        request: { kind: "any", prefix: options.cachePrompt === false ? [] : prompt, hold: owner },
        onPromptLogits: (index) => {
          shared = true;
          distributing = true;
          const source = primary!.slot!;
          for (const sibling of siblings) {
            if (sibling.done) continue;
            if (sibling.aborted) {
              sibling.abort();
              continue;
            }
            sibling.request = { kind: "copy", source, length: prompt.length, owner };
            if (sibling.startFromSharedPrompt(index, primary!.startedAtMs)) awaitingCopy.add(sibling);
          }
          // Ahead of the waiting requests, in choice order: they continue a request that already runs.
          for (const sibling of [...awaitingCopy].reverse()) this.scheduler.submit(sibling, { front: true });
          distributing = false;
          unhold();
        },
        onSettle: (error) => {
          // Ended before its prompt was evaluated (cancelled, failed, unloaded): so do the others.
          if (!shared)
            for (const sibling of siblings) {
              if (error === undefined) sibling.abort();
              else sibling.fail(error);
            }
          shared = true;
          unhold();
        },
      });
      for (let i = 1; i < n; i++) {
        const sibling: GenerateTask = this.generateTask(prompt, choiceOptions(options, i), {
          release,
          // Until it shares the prompt it is in no queue: leaving its stream ends it at once.
          onCancel: (t) => (shared ? this.scheduler.cancel(t) : t.abort()),
          onStart: () => {
            awaitingCopy.delete(sibling);
            unhold();
          },
          onSettle: () => {
            awaitingCopy.delete(sibling);
            unhold();
          },
        });
        siblings.push(sibling);
      }
    } catch (error) {
      // A grammar llama.cpp cannot parse fails every choice alike: nothing was queued.
      for (const task of [primary, ...siblings]) task?.fail(error);
      for (let i = 0; i < n; i++) release();
      throw error;
    }
    this.scheduler.submit(primary);
    return [primary, ...siblings].map(streamOf);
  }

  /** Validates a generation request (options, tokens, room in the context). */
  private checkGenerate(prompt: readonly number[], input: GenerateOptions): GenerateOptions {
    this.checkOpen();
    const options = validateGenerateOptions(input);
    validateTokens(prompt, this.info.vocabSize, "prompt");
    if (prompt.length >= this.info.contextSize) {
      throw new AtlasError(
        "CONTEXT_OVERFLOW",
        `the prompt is ${prompt.length} tokens but the context holds ${this.info.contextSize} (and the reply needs room too)`,
        {
          hint: "shorten the conversation or load the model with a larger context size (--ctx-size)",
          details: { field: "prompt", limit: this.info.contextSize - 1, actual: prompt.length },
        },
      );
    }
    return options;
  }

  private generateTask(
    prompt: readonly number[],
    options: GenerateOptions,
    links: GenerateTaskLinks & { onCancel?: (task: GenerateTask) => void },
  ): GenerateTask {
    const { onCancel = (t: GenerateTask) => this.scheduler.cancel(t), ...rest } = links;
    return new GenerateTask(
      prompt,
      options,
      { api: this.api, ctx: this.ctx, model: this.model, contextSize: this.info.contextSize },
      onCancel,
      rest,
    );
  }

  async score(
    context: readonly number[],
    continuations: readonly (readonly number[])[],
    input: ScoreOptions = {},
  ): Promise<ContinuationScore[]> {
    this.checkOpen();
    const options = validateScoreOptions(input);
    const request = validateScoreRequest(context, continuations, this.info.vocabSize);
    const ctx = request.context;
    const conts = request.continuations;
    const longest = Math.max(0, ...conts.map((c) => c.length));
    if (ctx.length + longest > this.info.contextSize) {
      throw new AtlasError(
        "CONTEXT_OVERFLOW",
        `context (${ctx.length}) + continuation (${longest}) tokens exceed the context of ${this.info.contextSize}`,
        {
          hint: "load the model with a larger context size",
          details: { field: "context", limit: this.info.contextSize, actual: ctx.length + longest },
        },
      );
    }
    if (options.signal?.aborted === true) throw new AtlasError("ABORTED", "the request was cancelled");
    if (conts.length === 0) return [];
    const release = this.scheduler.admit();
    // One signal for all of this request's tasks: the caller's, or ours when one task fails.
    const internal = new AbortController();
    const signal =
      options.signal === undefined ? internal.signal : AbortSignal.any([options.signal, internal.signal]);
    const owner = {};
    const top = options.topLogprobs;
    const results: ContinuationScore[] = conts.map(() => ({
      logprob: 0,
      isGreedy: true,
      tokenLogprobs: [],
      ...(top === undefined ? {} : { topLogprobs: [] }),
    }));
    const record = (i: number, logits: Float32Array, next: number, lse: number, best: number): void => {
      const lp = logits[next]! - lse;
      const r = results[i]!;
      r.tokenLogprobs.push(lp);
      r.logprob += lp;
      if (best !== next) r.isGreedy = false;
      if (top !== undefined) r.topLogprobs!.push(topLogprobs(logits, top, lse));
    };
    const task = (
      o: Omit<ConstructorParameters<typeof EvalTask>[0], "api" | "ctx" | "vocabSize" | "signal" | "owner">,
    ): EvalTask =>
      new EvalTask({ ...o, signal, owner, api: this.api, ctx: this.ctx, vocabSize: this.info.vocabSize });
    try {
      const first = task({
        request: { kind: "any", prefix: options.cachePrompt === false ? [] : ctx, hold: owner },
        tokens: ctx,
        wants: (p) => p === ctx.length - 1,
        onLogits: (_p, logits) => {
          const { lse, best } = reduceLogits(logits);
          conts.forEach((c, i) => record(i, logits, c[0]!, lse, best));
        },
        counted: true,
      });
      this.scheduler.submit(first);
      await first.finished;
      const holder = this.scheduler.cache.slots.find((s) => s.heldBy === owner)!;
      const tasks = conts.flatMap((c, i) => {
        if (c.length < 2) return [];
        const t = task({
          request: { kind: "copy", source: holder, length: ctx.length, owner },
          tokens: [...ctx, ...c.slice(0, -1)],
          wants: (p) => p >= ctx.length,
          onLogits: (p, logits) => {
            const { lse, best } = reduceLogits(logits);
            record(i, logits, c[p - ctx.length + 1]!, lse, best);
          },
          counted: false,
        });
        this.scheduler.submit(t);
        return [t.finished];
      });
      await Promise.all(tasks);
      return results;
    } catch (error) {
      internal.abort();
      throw error;
    } finally {
      this.scheduler.release(owner);
      release();
    }
  }

  async logits(tokens: readonly number[], input: ScoreOptions = {}): Promise<Float32Array[]> {
    this.checkOpen();
    const options = validateScoreOptions(input);
    validateTokens(tokens, this.info.vocabSize, "tokens", { allowEmpty: true });
    if (tokens.length === 0) return [];
    if (tokens.length > this.info.contextSize) {
      throw new AtlasError(
        "CONTEXT_OVERFLOW",
        `${tokens.length} tokens exceed the context of ${this.info.contextSize}`,
        {
          details: { field: "tokens", limit: this.info.contextSize, actual: tokens.length },
        },
      );
    }
    if (options.signal?.aborted === true) throw new AtlasError("ABORTED", "the request was cancelled");
    const release = this.scheduler.admit();
    const out: Float32Array[] = [];
    const task = new EvalTask({
      request: { kind: "any", prefix: options.cachePrompt === true ? tokens : [] },
      tokens,
      wants: () => true,
      onLogits: (_p, logits) => out.push(Float32Array.from(logits)),
      signal: options.signal,
      owner: {},
      counted: true,
      api: this.api,
      ctx: this.ctx,
      vocabSize: this.info.vocabSize,
    });
    this.scheduler.submit(task);
    try {
      await task.finished;
    } finally {
      release();
    }
    return out;
  }

  async embed(tokens: readonly number[], input: EmbedOptions = {}): Promise<Float32Array> {
    this.checkOpen();
    const options = validateEmbedOptions(input);
    validateTokens(tokens, this.info.vocabSize, "tokens");
    checkEmbedLength(tokens.length, this.info.contextSize);
    return this.embedder.embed(tokens, options.signal);
  }

  state(): EngineState {
    const free = this.scheduler.cache.free().length;
    return {
      sequences: this.info.sequences,
      active: this.scheduler.activeRequests,
      queued: this.scheduler.queued,
      maxQueue: this.maxQueue,
      freeSlots: free,
      kvCellsUsed: this.scheduler.cache.tokensHeld,
      kvCells: this.info.contextSize * this.info.sequences,
      batchInvariant: this.init.invariant,
    };
  }

  private checkOpen(): void {
    if (this.disposed !== undefined) throw unloaded();
  }

  dispose(): Promise<void> {
    this.disposed ??= (async () => {
      await this.embedder.close();
      await this.scheduler.close();
      freeResources(this.api, this.init.resources);
      this.model.free();
    })();
    return this.disposed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

/** The public face of a generation task. */
function streamOf(task: GenerateTask): GenerationStream {
  return { result: task.result, [Symbol.asyncIterator]: () => task.queue[Symbol.asyncIterator]() };
}

/** Frees a context's native resources: the context first (it uses the rest), then the others. */
export function freeResources(api: LlamaApi, r: NativeResources): void {
  api.free(r.ctx);
  for (const pool of r.threadpools) pool.dispose();
  for (const adapter of r.adapters) api.adapter_lora_free(adapter);
  r.batch?.dispose();
}
