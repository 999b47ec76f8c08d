/** Feeds a token sequence and hands the logits of chosen positions to a callback (scoring, diagnostics). */
import { AtlasError } from "../../core/index.js";
import type { LlamaApi, NativePointer } from "../../native/llama-api.js";
import { nativeFloats } from "../../native/views.js";
import { Task, type SlotRequest } from "./task.js";

export interface EvalTaskOptions {
  request: SlotRequest;
  /** The whole sequence; tokens already cached in the slot are not fed again. */
  tokens: readonly number[];
  wants: (position: number) => boolean;
  /** Receives a zero-copy view valid only during the call. */
  onLogits: (position: number, logits: Float32Array) => void;
  signal: AbortSignal | undefined;
  /** The request this task belongs to, and whether it is the request's first (queue-counted) task. */
  owner: object;
  counted: boolean;
  api: LlamaApi;
  ctx: NativePointer;
  vocabSize: number;
}

export class EvalTask extends Task {
  readonly finished: Promise<void>;
  private resolveFinished!: () => void;
  private rejectFinished!: (error: unknown) => void;

  constructor(private readonly o: EvalTaskOptions) {
    super(o.request, o.signal, o.owner, o.counted);
    this.finished = new Promise<void>((resolve, reject) => {
      this.resolveFinished = resolve;
      this.rejectFinished = reject;
    });
    this.finished.catch(() => {});
  }

  start(cached: number): void {
    this.feed = this.o.tokens.slice(cached);
    if (this.feed.length === 0) this.complete();
  }

  wantsOutput(position: number): boolean {
    return this.o.wants(position);
  }

  onOutput(position: number, index: number): void {
    this.o.onLogits(position, nativeFloats(this.o.api.get_logits_ith(this.o.ctx, index), this.o.vocabSize));
  }

  afterStep(): void {
    if (this.remaining === 0) this.complete();
  }

  abort(): void {
    this.fail(new AtlasError("ABORTED", "the request was cancelled"));
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.rejectFinished(error);
  }

  private complete(): void {
    if (this.done) return;
    this.done = true;
    this.resolveFinished();
  }
}
