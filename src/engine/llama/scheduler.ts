/**
 * Continuous batching over one llama.cpp context: every active task (a generation, a scoring pass) owns a
 * sequence ("slot"); each step packs one token per generating task plus prompt chunks into ONE
 * llama_decode call, then hands each task its outputs. All KV-cache edits (prefix trimming, copies)
 * happen between decodes, on the JS thread, never while a decode runs on the worker thread.
 */
import { AtlasError, errorMessage } from "../../core/index.js";
import type { LlamaApi, NativePointer } from "../../native/llama-api.js";
import type { NativeBatch } from "./native-batch.js";

/** One llama.cpp sequence and the tokens its KV cache holds (positions 0..history.length-1). */
export interface Slot {
  readonly seq: number;
  history: number[];
  /** The task currently feeding this slot, if any. */
  task: Task | undefined;
  /** Reserved by a multi-task job (scoring) between its tasks. */
  heldBy: object | undefined;
  lastUsed: number;
}

/** How a task gets its slot. */
export type SlotRequest =
  /** Any free slot; the one whose cache shares the longest prefix with `prefix` is reused. */
  | { kind: "any"; prefix: readonly number[]; hold?: object }
  /** A copy of `length` cached tokens of `source` (held by `owner`): a free slot gets a KV copy, else `source` itself is trimmed and reused once idle. */
  | { kind: "copy"; source: Slot; length: number; owner: object };

/** A unit of work fed through one slot. Subclasses decide what to feed and what to do with outputs. */
export abstract class Task {
  slot: Slot | undefined;
  done = false;
  /** Tokens to feed, in order; `feedStart` of them are already in the batch/KV. */
  protected feed: number[] = [];
  protected fed = 0;

  constructor(
    readonly request: SlotRequest,
    readonly signal: AbortSignal | undefined,
  ) {}

  /** Called once the slot is assigned and its KV is prepared; `cached` = tokens already in its KV. */
  abstract start(cached: number): void;
  /** Whether the token about to be placed at `position` needs its logits. */
  abstract wantsOutput(position: number, isLastQueued: boolean): boolean;
  /** Outputs of the last decode for this task, in position order. `index` is the batch index. */
  abstract onOutput(position: number, index: number): void;
  /** After a decode step this task took part in; may queue more tokens or finish. */
  abstract afterStep(): void;
  abstract fail(error: unknown): void;
  abstract abort(): void;

  get remaining(): number {
    return this.feed.length - this.fed;
  }

  /** Takes up to `max` queued tokens for the batch. */
  take(max: number): number[] {
    const tokens = this.feed.slice(this.fed, this.fed + max);
    this.fed += tokens.length;
    return tokens;
  }
}

/** Everything the scheduler needs from the native context. */
export interface SchedulerContext {
  api: LlamaApi;
  ctx: NativePointer;
  memory: NativePointer;
  batch: NativeBatch;
  sequences: number;
  /** Max tokens per sequence. */
  contextSize: number;
  /** Unified KV: copies are metadata-only and may cover a prefix; otherwise whole-sequence copies. */
  unifiedKv: boolean;
  /** Sliding window of the model's SWA layers (0 = none): llama.cpp may drop cached positions older than it. */
  slidingWindow: number;
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export class Scheduler {
  readonly slots: Slot[];
  private readonly pending: Task[] = [];
  private readonly active: Task[] = [];
  private running: Promise<void> | undefined;
  private looping = false;
  private clock = 0;
  private closed = false;

  constructor(private readonly c: SchedulerContext) {
    this.slots = Array.from({ length: c.sequences }, (_, seq) => ({
      seq,
      history: [],
      task: undefined,
      heldBy: undefined,
      lastUsed: 0,
    }));
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.pending.length;
  }

  /** Queues a task; it starts when a slot is free. */
  submit(task: Task): void {
    if (this.closed) {
      task.fail(new AtlasError("ABORTED", "the model was unloaded"));
      return;
    }
    this.pending.push(task);
    this.kick();
  }

  /** Starts the step loop unless it is running. The loop clears `looping` synchronously when it stops. */
  private kick(): void {
    if (this.looping) return;
    this.looping = true;
    this.running = this.loop().catch((error: unknown) => {
      this.looping = false;
      for (const task of [...this.active.splice(0), ...this.pending.splice(0)]) task.fail(error);
    });
  }

  /** Releases a slot held by a multi-task job. */
  release(owner: object): void {
    for (const slot of this.slots) if (slot.heldBy === owner) slot.heldBy = undefined;
    if (this.pending.length > 0) this.kick();
  }

  /** Stops accepting work, fails what is queued, waits for the running step. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.pending.splice(0)) task.fail(new AtlasError("ABORTED", "the model was unloaded"));
    for (const task of this.active) task.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    for (;;) {
      this.dropAborted();
      this.assignSlots();
      if (this.active.length === 0) {
        this.looping = false;
        return;
      }
      const participants = this.buildBatch();
      if (this.c.batch.size === 0) {
        // Active tasks with nothing to feed would spin forever: that is a bug in a task.
        for (const task of [...this.active])
          this.finish(task, new AtlasError("NATIVE", "internal: task stalled"));
        continue;
      }
      const rc = await new Promise<number>((resolve) => {
        this.c.api.decode.async(this.c.ctx, this.c.batch.toNative(), (error, result) =>
          resolve(error === null || error === undefined ? result : -100),
        );
      });
      if (rc !== 0) {
        const reason =
          rc === 1
            ? "no room left in the KV cache"
            : rc === 2
              ? "the decode was aborted"
              : `llama_decode returned ${rc}`;
        for (const { task } of participants) {
          const slot = task.slot!;
          this.c.api.memory_seq_rm(this.c.memory, slot.seq, -1, -1);
          slot.history = [];
          this.finish(task, new AtlasError("NATIVE", `llama.cpp could not evaluate the batch: ${reason}`));
        }
        continue;
      }
      for (const { task, outputs } of participants) {
        if (task.done) continue;
        try {
          for (const [position, index] of outputs) task.onOutput(position, index);
          task.afterStep();
        } catch (error) {
          task.fail(error);
        }
        if (task.done) this.finish(task);
      }
    }
  }

  private dropAborted(): void {
    for (const list of [this.pending, this.active]) {
      for (let i = list.length - 1; i >= 0; i--) {
        const task = list[i]!;
        if (task.signal?.aborted === true || task.done) {
          list.splice(i, 1);
          if (!task.done) task.abort();
          if (task.slot !== undefined && task.slot.task === task) task.slot.task = undefined;
        }
      }
    }
  }

  private finish(task: Task, error?: unknown): void {
    if (error !== undefined) task.fail(error);
    const i = this.active.indexOf(task);
    if (i >= 0) this.active.splice(i, 1);
    if (task.slot !== undefined && task.slot.task === task) task.slot.task = undefined;
  }

  private freeSlots(): Slot[] {
    return this.slots.filter((s) => s.task === undefined && s.heldBy === undefined);
  }

  /** Gives pending tasks a slot and prepares its KV (trim / copy). */
  private assignSlots(): void {
    for (let i = 0; i < this.pending.length;) {
      const task = this.pending[i]!;
      const slot = this.pickSlot(task.request);
      if (slot === undefined) {
        i++;
        continue;
      }
      this.pending.splice(i, 1);
      try {
        const cached = this.prepareSlot(slot, task.request);
        slot.task = task;
        slot.lastUsed = ++this.clock;
        task.slot = slot;
        task.start(cached);
        if (task.done) slot.task = undefined;
        else this.active.push(task);
      } catch (error) {
        slot.task = undefined;
        task.fail(error);
      }
    }
  }

  private pickSlot(request: SlotRequest): Slot | undefined {
    const free = this.freeSlots();
    if (request.kind === "any") {
      let best: Slot | undefined;
      let bestLen = -1;
      for (const slot of free) {
        const len = commonPrefix(slot.history, request.prefix);
        if (len > bestLen || (len === bestLen && best !== undefined && slot.lastUsed < best.lastUsed)) {
          best = slot;
          bestLen = len;
        }
      }
      return best;
    }
    const other = free[0];
    if (other !== undefined) return other;
    return request.source.task === undefined ? request.source : undefined;
  }

  /**
   * Makes the slot's KV hold the reusable prefix; returns how many tokens are cached (maybe 0). A prefix is
   * reused only if llama.cpp still holds every position the next token can attend to: its SWA cache
   * recycles cells that fell out of the window, so an old prefix may be incomplete there.
   */
  private prepareSlot(slot: Slot, request: SlotRequest): number {
    const cached = this.reuse(slot, request);
    if (cached > 0) {
      const posMin = this.c.api.memory_seq_pos_min(this.c.memory, slot.seq);
      const needed = this.c.slidingWindow > 0 ? Math.max(0, cached - this.c.slidingWindow) : 0;
      if (posMin < 0 || posMin > needed) {
        this.c.api.memory_seq_rm(this.c.memory, slot.seq, -1, -1);
        slot.history = [];
        return 0;
      }
    }
    return cached;
  }

  private reuse(slot: Slot, request: SlotRequest): number {
    const { api, memory } = this.c;
    if (request.kind === "any") {
      if (request.hold !== undefined) slot.heldBy = request.hold;
      // Keep at least one token to feed: its logits are what the task needs first.
      const keep = Math.min(
        commonPrefix(slot.history, request.prefix),
        Math.max(0, request.prefix.length - 1),
      );
      this.trim(slot, keep);
      return keep;
    }
    if (slot === request.source) {
      this.trim(slot, request.length);
      return request.length;
    }
    api.memory_seq_rm(memory, slot.seq, -1, -1);
    if (this.c.unifiedKv) {
      api.memory_seq_cp(memory, request.source.seq, slot.seq, 0, request.length);
    } else {
      // Separate KV streams only support whole-sequence copies; trim the copy afterwards.
      api.memory_seq_cp(memory, request.source.seq, slot.seq, -1, -1);
      api.memory_seq_rm(memory, slot.seq, request.length, -1);
    }
    slot.history = request.source.history.slice(0, request.length);
    return request.length;
  }

  private trim(slot: Slot, keep: number): void {
    if (slot.history.length > keep) {
      if (!this.c.api.memory_seq_rm(this.c.memory, slot.seq, keep, -1)) {
        this.c.api.memory_seq_rm(this.c.memory, slot.seq, -1, -1);
        slot.history = [];
        return;
      }
      slot.history.length = keep;
    }
  }

  /** Fills the batch: first one token per generating task, then prompt chunks in arrival order. */
  private buildBatch(): { task: Task; outputs: [number, number][] }[] {
    const batch = this.c.batch;
    batch.clear();
    const byTask = new Map<Task, [number, number][]>();
    const order = [...this.active].sort((a, b) => (a.remaining === 1 ? 0 : 1) - (b.remaining === 1 ? 0 : 1));
    for (const task of order) {
      if (batch.free === 0) break;
      const slot = task.slot!;
      const room = this.c.contextSize - slot.history.length;
      const tokens = task.take(Math.min(batch.free, Math.max(0, room)));
      if (tokens.length === 0) continue;
      const outputs: [number, number][] = [];
      tokens.forEach((token, k) => {
        const position = slot.history.length;
        const want = task.wantsOutput(position, k === tokens.length - 1 && task.remaining === 0);
        const index = batch.add(token, position, slot.seq, want);
        slot.history.push(token);
        if (want) outputs.push([position, index]);
      });
      byTask.set(task, outputs);
    }
    return [...byTask].map(([task, outputs]) => ({ task, outputs }));
  }

  /** A description of a failure, for logs. */
  static describe(error: unknown): string {
    return errorMessage(error);
  }
}
