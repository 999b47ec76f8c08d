/**
 * Continuous batching over one llama.cpp context: every active task (a generation, a scoring pass) owns a
 * sequence ("slot"); each step packs the tasks' tokens into one llama_decode call (batch-plan.ts), runs it
 * on a worker thread, then hands each task its outputs. Requests wait in a bounded FIFO queue; a request
 * can be cancelled anywhere (queued, prefilling, decoding) and its slot is free after the decode in flight.
 */
import { AtlasError } from "../../core/index.js";
import type { NativePointer } from "../../native/llama-api.js";
import type { NativeBatch } from "../../native/native-batch.js";
import { listenForAbort } from "../abort-listener.js";
import { planInvariantBatch, planMixedBatch, type BatchPlan } from "./batch-plan.js";
import { SlotCache, type SlotCacheContext } from "./slot-cache.js";
import type { Slot, Task } from "./task.js";

/** Everything the scheduler needs from the native context. */
export interface SchedulerContext extends SlotCacheContext {
  ctx: NativePointer;
  batch: NativeBatch;
  /** Slots tasks may use. */
  sequences: number;
  /** Requests that may wait for a slot. */
  maxQueue: number;
  /** Batch-invariant planning (batch-plan.ts); needs `spares` ≥ 1 when `sequences` is 1. */
  invariant: boolean;
  spares: number;
  /** A valid token id for padding rows. */
  paddingToken: number;
}

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 120_000;

export class Scheduler {
  readonly cache: SlotCache;
  private readonly pending: Task[] = [];
  private readonly active: Task[] = [];
  private readonly listeners = new Map<Task, () => void>();
  private running: Promise<void> | undefined;
  private looping = false;
  private closed = false;
  private lastWasChunk = false;
  /** Requests admitted and not yet settled, running or waiting (the queue bound counts these). */
  private admitted = 0;
  /** Recent request durations (ms), for BUSY's retry hint. */
  private readonly durations: number[] = [];
  private readonly startedAt = new Map<Task, number>();
  /** Work that needs the CPU to itself (another context's decode), run between steps in order. */
  private readonly exclusives: { run: () => Promise<void> }[] = [];

  constructor(private readonly c: SchedulerContext) {
    this.cache = new SlotCache(c, c.sequences, c.spares);
  }

  get slots(): readonly Slot[] {
    return this.cache.taskSlots;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.pending.filter((t) => t.counted).length;
  }

  /** Distinct requests holding a slot (running tasks or a held slot). */
  get activeRequests(): number {
    const owners = new Set<object>(this.active.map((t) => t.owner));
    for (const slot of this.cache.slots) if (slot.heldBy !== undefined) owners.add(slot.heldBy);
    return owners.size;
  }

  /**
   * Admits `units` requests (a generation, a scoring or logits call, each choice of `generateChoices`)
   * or refuses them all when the queue is full. What is admitted — running or still waiting — counts
   * against `sequences + maxQueue` from this moment on, so the bound holds for any burst, even one
   * submitted within a single tick, before any request has claimed a slot.
   * Returns a function that gives back one unit (call it once per unit, when that request settles).
   * @throws AtlasError BUSY with details {queued, limit, retryAfterMs}; UNLOADED once closed
   */
  admit(units = 1): () => void {
    if (this.closed) throw unloaded();
    const capacity = this.c.sequences + this.c.maxQueue;
    if (this.admitted + units > capacity) {
      const queued = Math.max(0, this.admitted - this.c.sequences);
      const retryAfterMs = this.retryHint(queued);
      throw new AtlasError(
        "BUSY",
        `the model is busy: ${queued} request${queued === 1 ? " is" : "s are"} already waiting (limit ${this.c.maxQueue})`,
        {
          hint: `retry in about ${Math.ceil(retryAfterMs / 1000)} s, or raise the queue limit (maxQueue / --max-queue)`,
          details: { queued, limit: this.c.maxQueue, retryAfterMs },
        },
      );
    }
    this.admitted += units;
    let left = units;
    return () => {
      if (left === 0) return;
      left--;
      this.admitted--;
    };
  }

  private retryHint(queued: number): number {
    const recent =
      this.durations.length === 0 ? 1000 : this.durations.reduce((a, b) => a + b) / this.durations.length;
    const rounds = Math.ceil((queued + 1) / this.c.sequences);
    return Math.round(Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, recent * rounds)));
  }

  /**
   * Queues a task; it starts when a slot is free. An aborted signal settles it at once. `front` puts it
   * ahead of the waiting requests (a choice continuing a request that already runs).
   */
  submit(task: Task, options: { front?: boolean } = {}): void {
    if (this.closed) {
      task.fail(unloaded());
      return;
    }
    if (task.aborted) {
      task.abort();
      return;
    }
    if (task.signal !== undefined) {
      const onAbort = (): void => this.cancel(task);
      this.listeners.set(task, listenForAbort(task.signal, onAbort));
    }
    this.startedAt.set(task, performance.now());
    if (options.front === true) this.pending.unshift(task);
    else this.pending.push(task);
    this.kick();
  }

  /**
   * Stops a task: a queued one is settled at once; a running one is dropped after the decode in flight
   * (its outputs from that decode are discarded).
   */
  cancel(task: Task): void {
    task.cancelled = true;
    const i = this.pending.indexOf(task);
    if (i >= 0) {
      this.pending.splice(i, 1);
      this.settle(task);
      if (!task.done) task.abort();
    }
  }

  /**
   * Runs `fn` between two decodes of this context, never during one: another llama.cpp context of the same
   * model (the embedding context) shares the threadpool and the cores without oversubscribing them.
   * Jobs run in order, one per step while tasks are decoding, at once when the loop is idle.
   * @throws AtlasError UNLOADED once closed
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(unloaded());
    return new Promise<T>((resolve, reject) => {
      this.exclusives.push({
        run: async () => {
          try {
            if (this.closed) throw unloaded();
            resolve(await fn());
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        },
      });
      this.kick();
    });
  }

  /** Releases slots held by a multi-task job. */
  release(owner: object): void {
    this.cache.release(owner);
    if (this.pending.length > 0) this.kick();
  }

  /** Stops accepting work, aborts queued and running tasks, waits for the decode in flight. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.pending.splice(0)) {
      this.settle(task);
      task.abort();
    }
    for (const task of this.active) {
      task.cancelled = true;
      task.abort();
    }
    await this.running;
  }

  /** Starts the step loop unless it is running. The loop clears `looping` synchronously when it stops. */
  private kick(): void {
    if (this.looping) return;
    this.looping = true;
    this.running = this.loop().catch((error: unknown) => {
      this.looping = false;
      for (const task of [...this.active.splice(0), ...this.pending.splice(0)]) {
        this.settle(task);
        task.fail(error);
      }
    });
  }

  private async loop(): Promise<void> {
    let waited = false;
    for (;;) {
      const job = this.exclusives.shift();
      if (job !== undefined) await job.run();
      this.dropFinished();
      this.assignSlots();
      if (this.active.length === 0) {
        if (this.exclusives.length > 0) continue;
        this.looping = false;
        return;
      }
      if (!waited) {
        // Requests submitted in the same tick as the one that started the loop (a client's burst, an
        // eval batch) get their slots before the first decode and join it instead of a step behind.
        waited = true;
        await Promise.resolve();
        continue;
      }
      const plan = this.plan();
      if (this.c.batch.size === 0) {
        // Active tasks with nothing to feed would spin forever: that is a bug in a task.
        for (const task of [...this.active]) task.fail(new AtlasError("NATIVE", "internal: task stalled"));
        continue;
      }
      const rc = await this.c.batch.decodeAsync(this.c.ctx);
      for (const { seq, position } of plan.padding)
        this.c.api.memory_seq_rm(this.c.memory, seq, position, -1);
      if (rc !== 0) {
        this.failBatch(plan, rc);
        continue;
      }
      for (const { task, outputs } of plan.participants) {
        if (task.done || task.aborted) continue;
        try {
          for (const [position, index] of outputs) task.onOutput(position, index);
          task.afterStep();
        } catch (error) {
          task.fail(error);
        }
      }
    }
  }

  private plan(): BatchPlan {
    if (!this.c.invariant) return planMixedBatch(this.c.batch, this.active, this.c.contextSize);
    const plan = planInvariantBatch(
      this.c.batch,
      this.active,
      this.cache,
      this.c.contextSize,
      this.lastWasChunk,
      this.c.paddingToken,
    );
    this.lastWasChunk = plan.kind === "chunk";
    return plan;
  }

  /** A failed decode: the participants' KV may be half-written, so their slots are emptied. */
  private failBatch(plan: BatchPlan, rc: number): void {
    const error =
      rc === 1
        ? new AtlasError("CAPACITY", "the KV cache is full: llama.cpp found no room for the batch", {
            hint: "use a larger context size or fewer parallel sequences",
          })
        : rc === 2
          ? new AtlasError("ABORTED", "llama.cpp aborted the decode")
          : new AtlasError("NATIVE", `llama.cpp could not evaluate the batch (llama_decode returned ${rc})`);
    for (const { task } of plan.participants) {
      this.cache.clear(task.slot!);
      task.fail(error);
    }
  }

  /** Removes settled and cancelled tasks from the queue and the active set, freeing their slots. */
  private dropFinished(): void {
    for (const list of [this.pending, this.active]) {
      for (let i = list.length - 1; i >= 0; i--) {
        const task = list[i]!;
        if (!task.done && !task.aborted) continue;
        list.splice(i, 1);
        this.settle(task);
        if (!task.done) task.abort();
        if (task.slot !== undefined && task.slot.task === task) task.slot.task = undefined;
      }
    }
  }

  /** Bookkeeping when a task leaves the scheduler: listeners, durations. */
  private settle(task: Task): void {
    this.listeners.get(task)?.();
    this.listeners.delete(task);
    const started = this.startedAt.get(task);
    this.startedAt.delete(task);
    if (started !== undefined && task.counted && !task.aborted) {
      this.durations.push(performance.now() - started);
      if (this.durations.length > 16) this.durations.shift();
    }
  }

  /** Gives pending tasks a slot (FIFO, skipping those whose slot request cannot be met yet). */
  private assignSlots(): void {
    for (let i = 0; i < this.pending.length;) {
      const task = this.pending[i]!;
      const slot = this.cache.pick(task.request);
      if (slot === undefined) {
        i++;
        continue;
      }
      this.pending.splice(i, 1);
      try {
        const cached = this.cache.prepare(slot, task.request);
        slot.task = task;
        this.cache.touch(slot);
        task.slot = slot;
        task.start(cached);
        if (task.done) {
          slot.task = undefined;
          this.settle(task);
        } else this.active.push(task);
      } catch (error) {
        slot.task = undefined;
        this.settle(task);
        task.fail(error);
      }
    }
  }
}

/** The error of any call on a model that was unloaded. */
export function unloaded(): AtlasError {
  return new AtlasError("UNLOADED", "the model was unloaded", { hint: "load it again" });
}
