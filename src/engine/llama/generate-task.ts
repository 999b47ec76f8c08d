/** A generation: feeds the prompt, then samples one token per step until a stop condition. */
import type { LlamaApi, NativePointer } from "../../native/llama-api.js";
import { nativeFloats } from "../../native/views.js";
import { AsyncQueue } from "../async-queue.js";
import { reduceLogits, topLogprobs } from "../log-softmax.js";
import { TokenTextStream } from "../token-text-stream.js";
import type { FinishReason, GenerateOptions, GenerationChunk, GenerationResult } from "../types.js";
import type { NativeModel } from "./native-model.js";
import { createSamplerChain } from "./sampler-chain.js";
import { Task, type SlotRequest } from "./task.js";

export interface GenerateTaskDeps {
  api: LlamaApi;
  ctx: NativePointer;
  model: NativeModel;
  contextSize: number;
}

/** Extra wiring of one generation: its queue admission, and its place in a `generateChoices` group. */
export interface GenerateTaskLinks {
  /** Gives back the task's place in the queue bound (called once, when it settles). */
  release?: () => void;
  /** The slot request (default: any slot, reusing the longest cached prefix of the prompt). */
  request?: SlotRequest;
  /** Called once with the batch index of the prompt's last position, before this task samples from it. */
  onPromptLogits?: (index: number) => void;
  /** Called when the task gets its slot (its KV prepared). */
  onStart?: () => void;
  /** Called once when the task settles, with the error when it failed. */
  onSettle?: (error?: unknown) => void;
}

export class GenerateTask extends Task {
  readonly queue: AsyncQueue<GenerationChunk>;
  readonly result: Promise<GenerationResult>;
  private resolveResult!: (result: GenerationResult) => void;
  private rejectResult!: (error: unknown) => void;
  private chain: NativePointer | undefined;
  private penalties: NativePointer | undefined;
  private primed = false;
  private readonly text: TokenTextStream;
  private readonly generated: number[] = [];
  private output = "";
  private cached = 0;
  private readonly submittedAt = performance.now();
  private startedAt = 0;
  private firstTokenAt = 0;
  /** A first token sampled before this task had a slot (a choice sampling from a shared prompt). */
  private carried: number[] = [];
  /** Whether `onPromptLogits` was called. */
  private sharedPrompt = false;

  /**
   * Builds the sampler chain at once, so a bad grammar fails the call instead of a queued task.
   * @param onCancel called when the consumer leaves the stream early
   */
  constructor(
    private readonly prompt: readonly number[],
    private readonly options: GenerateOptions,
    private readonly deps: GenerateTaskDeps,
    onCancel: (task: GenerateTask) => void,
    private readonly links: GenerateTaskLinks = {},
  ) {
    super(
      links.request ?? { kind: "any", prefix: options.cachePrompt === false ? [] : prompt },
      options.signal,
      {},
      true,
    );
    this.queue = new AsyncQueue<GenerationChunk>(() => onCancel(this));
    this.text = new TokenTextStream(options.stop ?? []);
    this.result = new Promise<GenerationResult>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // A caller that only iterates must not crash the process with an unhandled rejection.
    this.result.catch(() => {});
    const sampler = createSamplerChain(deps.api, deps.model, options);
    this.chain = sampler.chain;
    this.penalties = sampler.penalties;
  }

  start(cached: number): void {
    this.startedAt ||= performance.now();
    this.cached = cached;
    // A choice whose first token is already known feeds it after the copied prompt (all of the prompt
    // again if the copy could not be reused: correct, only slower).
    this.feed = [...this.prompt.slice(cached), ...this.carried];
    this.prime();
    this.links.onStart?.();
  }

  /** When the task got its slot (or shared another choice's prompt); 0 before. */
  get startedAtMs(): number {
    return this.startedAt;
  }

  /** Penalties count the prompt's tokens too (as llama.cpp's tools do); the grammar must not see them. */
  private prime(): void {
    if (this.primed) return;
    this.primed = true;
    if (this.penalties !== undefined)
      for (const token of this.prompt) this.deps.api.sampler_accept(this.penalties, token);
  }

  wantsOutput(_position: number, isLastQueued: boolean): boolean {
    return isLastQueued;
  }

  onOutput(_position: number, index: number): void {
    if (!this.sharedPrompt) {
      this.sharedPrompt = true;
      this.links.onPromptLogits?.(index);
    }
    this.consume(index, this.slot!.history.length);
  }

  /**
   * A choice of `generateChoices`: samples its first token from the logits of the prompt that another
   * choice evaluated (batch row `index` of the decode that just ran), before it has a slot of its own.
   * Returns false when that token already ends it (nothing left to decode).
   */
  startFromSharedPrompt(index: number, startedAt: number): boolean {
    this.startedAt = startedAt;
    // Its KV will be a copy of the evaluated prompt: none of it is evaluated for this choice.
    this.cached = this.prompt.length;
    this.prime();
    this.consume(index, this.prompt.length);
    if (this.done) return false;
    this.carried = this.feed.splice(0);
    return true;
  }

  /** Samples from batch row `index`; `history` = tokens in the sequence's KV before this token. */
  private consume(index: number, history: number): void {
    const { api, ctx, model } = this.deps;
    if (this.chain === undefined) return; // finished in the meantime
    if (this.options.maxTokens === 0) {
      this.firstTokenAt = performance.now();
      this.finish("length");
      return;
    }
    const token = api.sampler_sample(this.chain, ctx, index);
    if (this.generated.length === 0) this.firstTokenAt = performance.now();
    if (model.isEndOfGeneration(token)) {
      this.finish("stop");
      return;
    }
    this.generated.push(token);
    const text = this.text.push(model.piece(token, false));
    this.output += text;
    const chunk: GenerationChunk = { text, token };
    if (this.options.logprobs !== undefined) {
      const logits = nativeFloats(api.get_logits_ith(ctx, index), model.meta.vocabSize);
      const { lse } = reduceLogits(logits);
      chunk.logprob = logits[token]! - lse;
      chunk.topLogprobs = topLogprobs(logits, this.options.logprobs, lse);
    }
    this.queue.push(chunk);
    if (this.text.hitStop) this.finish("stop");
    else if (this.options.maxTokens !== undefined && this.generated.length >= this.options.maxTokens)
      this.finish("length");
    else if (history >= this.deps.contextSize) this.finish("length");
    else this.feed.push(token);
  }

  afterStep(): void {}

  abort(): void {
    this.finish("abort");
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.freeChain();
    this.queue.fail(error);
    this.rejectResult(error);
    this.settled(error);
  }

  private settled(error?: unknown): void {
    this.links.release?.();
    if (error === undefined) this.links.onSettle?.();
    else this.links.onSettle?.(error);
  }

  private finish(reason: FinishReason): void {
    if (this.done) return;
    this.done = true;
    this.freeChain();
    const tail = this.text.end();
    if (tail !== "") {
      this.output += tail;
      this.queue.push({ text: tail, token: -1 });
    }
    const end = performance.now();
    const started = this.startedAt === 0 ? end : this.startedAt;
    const firstToken = this.firstTokenAt === 0 ? end : this.firstTokenAt;
    const promptMs = firstToken - started;
    const generationMs = end - firstToken;
    const cached = this.cached;
    const evaluated = this.startedAt === 0 ? 0 : this.prompt.length - cached;
    this.queue.end();
    this.resolveResult({
      text: this.output,
      tokens: [...this.generated],
      stats: {
        promptTokens: this.prompt.length,
        cachedPromptTokens: cached,
        generatedTokens: this.generated.length,
        timeToFirstTokenMs: firstToken - this.submittedAt,
        promptMs,
        generationMs,
        totalMs: end - this.submittedAt,
        promptTokensPerSecond: promptMs > 0 ? (evaluated * 1000) / promptMs : 0,
        tokensPerSecond:
          generationMs > 0 && this.generated.length > 1
            ? ((this.generated.length - 1) * 1000) / generationMs
            : 0,
        finishReason: reason,
      },
    });
    this.settled();
  }

  private freeChain(): void {
    if (this.chain !== undefined) {
      this.deps.api.sampler_free(this.chain);
      this.chain = undefined;
      this.penalties = undefined;
    }
  }
}
