/**
 * The fake engine's scheduler: the same observable rules as the real one (src/engine/llama/scheduler.ts)
 * without llama.cpp — `sequences` slots, a FIFO queue bounded by `maxQueue` (BUSY beyond it), a request
 * gets a slot synchronously when one is free, one step advances every running job, cancellation anywhere,
 * close() aborts everything.
 */
import { AtlasError } from "../core/index.js";
import { listenForAbort } from "./abort-listener.js";
import type { EngineState } from "./types.js";

/** A unit of fake work: `step()` advances it and may set `done`; `abort()` settles it as aborted. */
export interface FakeJob {
  signal: AbortSignal | undefined;
  step(): void;
  abort(): void;
  done: boolean;
  cancelled: boolean;
}

export class FakeScheduler {
  private readonly pending: FakeJob[] = [];
  private readonly running: FakeJob[] = [];
  /** Removes a job's abort listener: a long-lived signal (an eval run's) must not collect one per job. */
  private readonly unlisten = new Map<FakeJob, () => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly sequences: number,
    private readonly maxQueue: number,
    private readonly stepDelayMs: number,
  ) {}

  checkOpen(): void {
    if (this.closed) throw new AtlasError("UNLOADED", "the model was unloaded", { hint: "load it again" });
  }

  /**
   * Admits `units` requests or refuses them all: running and waiting jobs count against
   * `sequences + maxQueue`, as in the real scheduler.
   * @throws AtlasError BUSY when they would not fit
   */
  admit(units = 1): void {
    this.checkOpen();
    if (this.running.length + this.pending.length + units > this.sequences + this.maxQueue) {
      const queued = this.pending.length;
      throw new AtlasError("BUSY", `the model is busy: ${queued} requests are already waiting`, {
        hint: "retry in a moment",
        details: { queued, limit: this.maxQueue, retryAfterMs: 1000 },
      });
    }
  }

  submit(job: FakeJob): void {
    if (job.signal?.aborted === true) {
      job.abort();
      return;
    }
    if (job.signal !== undefined)
      this.unlisten.set(
        job,
        listenForAbort(job.signal, () => this.cancel(job)),
      );
    this.pending.push(job);
    this.assign();
    this.schedule();
  }

  cancel(job: FakeJob): void {
    job.cancelled = true;
    const i = this.pending.indexOf(job);
    if (i >= 0) {
      this.pending.splice(i, 1);
      this.forget(job);
      job.abort();
    }
  }

  private forget(job: FakeJob): void {
    this.unlisten.get(job)?.();
    this.unlisten.delete(job);
  }

  /** A job that finishes after one step (scoring, logits); rejects with ABORTED when cancelled. */
  runOnce(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const job: FakeJob = {
        signal,
        step: () => {
          job.done = true;
          resolve();
        },
        abort: () => {
          job.done = true;
          reject(new AtlasError("ABORTED", "the request was cancelled"));
        },
        done: false,
        cancelled: false,
      };
      this.submit(job);
    });
  }

  state(): Omit<EngineState, "kvCells"> {
    return {
      sequences: this.sequences,
      active: this.running.length,
      queued: this.pending.length,
      maxQueue: this.maxQueue,
      freeSlots: this.sequences - this.running.length,
      kvCellsUsed: 0,
      batchInvariant: true,
    };
  }

  close(): Promise<void> {
    this.closed = true;
    for (const job of [...this.pending.splice(0), ...this.running.splice(0)]) {
      this.forget(job);
      job.abort();
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    return Promise.resolve();
  }

  private assign(): void {
    while (this.running.length < this.sequences && this.pending.length > 0)
      this.running.push(this.pending.shift()!);
  }

  private schedule(): void {
    if (this.timer !== undefined || this.running.length === 0 || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.tick();
    }, this.stepDelayMs);
  }

  private tick(): void {
    for (const job of [...this.running]) {
      if (job.cancelled || job.signal?.aborted === true) job.abort();
      else if (!job.done) job.step();
    }
    for (let i = this.running.length - 1; i >= 0; i--) {
      const job = this.running[i]!;
      if (!job.done) continue;
      this.running.splice(i, 1);
      this.forget(job);
    }
    this.assign();
    this.schedule();
  }
}
