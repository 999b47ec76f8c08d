/** A generation: feeds the prompt, then samples one token per step until a stop condition. */
import type { LlamaApi, NativePointer } from "../../native/llama-api.js";
import { AsyncQueue } from "../async-queue.js";
import { TokenTextStream } from "../token-text-stream.js";
import type { FinishReason, GenerateOptions, GenerationChunk, GenerationResult } from "../types.js";
import type { NativeModel } from "./native-model.js";
import { createSamplerChain } from "./sampler-chain.js";
import { Task } from "./scheduler.js";

export interface GenerateTaskDeps {
  api: LlamaApi;
  ctx: NativePointer;
  model: NativeModel;
  contextSize: number;
}

export class GenerateTask extends Task {
  readonly queue = new AsyncQueue<GenerationChunk>();
  readonly result: Promise<GenerationResult>;
  private resolveResult!: (result: GenerationResult) => void;
  private rejectResult!: (error: unknown) => void;
  private chain: NativePointer | undefined;
  private readonly text: TokenTextStream;
  private readonly generated: number[] = [];
  private output = "";
  private cached = 0;
  private readonly submittedAt = performance.now();
  private startedAt = 0;
  private firstTokenAt = 0;

  constructor(
    private readonly prompt: readonly number[],
    private readonly options: GenerateOptions,
    private readonly deps: GenerateTaskDeps,
  ) {
    super({ kind: "any", prefix: options.cachePrompt === false ? [] : prompt }, options.signal);
    this.text = new TokenTextStream(options.stop ?? []);
    this.result = new Promise<GenerationResult>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // A caller that only iterates must not crash the process with an unhandled rejection.
    this.result.catch(() => {});
  }

  start(cached: number): void {
    this.startedAt = performance.now();
    this.cached = cached;
    this.feed = this.prompt.slice(cached);
    const { api, model } = this.deps;
    this.chain = createSamplerChain(api, model.meta.vocabSize, this.options);
    if (
      (this.options.repeatPenalty ?? 1) !== 1 ||
      (this.options.frequencyPenalty ?? 0) !== 0 ||
      (this.options.presencePenalty ?? 0) !== 0
    ) {
      for (const token of this.prompt) api.sampler_accept(this.chain, token);
    }
  }

  wantsOutput(_position: number, isLastQueued: boolean): boolean {
    return isLastQueued;
  }

  onOutput(_position: number, index: number): void {
    const { api, ctx, model } = this.deps;
    if (this.chain === undefined) return; // finished in the meantime
    const token = api.sampler_sample(this.chain, ctx, index);
    if (this.generated.length === 0) this.firstTokenAt = performance.now();
    if (model.isEndOfGeneration(token)) {
      this.finish("stop");
      return;
    }
    this.generated.push(token);
    const text = this.text.push(model.piece(token, false));
    this.output += text;
    this.queue.push({ text, token });
    if (this.text.hitStop) this.finish("stop");
    else if (this.options.maxTokens !== undefined && this.generated.length >= this.options.maxTokens)
      this.finish("length");
    else if (this.slot!.history.length >= this.deps.contextSize) this.finish("length");
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
    const evaluated = this.prompt.length - this.cached;
    this.queue.end();
    this.resolveResult({
      text: this.output,
      tokens: [...this.generated],
      stats: {
        promptTokens: this.prompt.length,
        cachedPromptTokens: this.cached,
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
  }

  private freeChain(): void {
    if (this.chain !== undefined) {
      this.deps.api.sampler_free(this.chain);
      this.chain = undefined;
    }
  }
}
