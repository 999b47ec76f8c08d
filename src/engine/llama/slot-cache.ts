/**
 * The sequences ("slots") of one llama.cpp context and what their KV caches hold: which slot a task gets
 * (the one sharing the longest prefix with its prompt), and the KV edits that prepare it (trim, copy).
 * All edits happen between decodes, on the JS thread.
 */
import type { LlamaApi, NativePointer } from "../../native/llama-api.js";
import type { Slot, SlotRequest } from "./task.js";

/** What the slot cache needs from the native context. */
export interface SlotCacheContext {
  api: LlamaApi;
  memory: NativePointer;
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

export class SlotCache {
  readonly slots: Slot[];
  private clock = 0;

  /**
   * @param sequences slots tasks may use
   * @param spares extra sequences never given to tasks (batch-invariant padding uses them)
   */
  constructor(
    private readonly c: SlotCacheContext,
    sequences: number,
    spares = 0,
  ) {
    this.slots = Array.from({ length: sequences + spares }, (_, seq) => ({
      seq,
      history: [],
      task: undefined,
      heldBy: undefined,
      lastUsed: 0,
    }));
    this.usable = sequences;
  }

  /** How many slots tasks may use (the rest are spares). */
  readonly usable: number;

  /** Slots tasks may use. */
  get taskSlots(): Slot[] {
    return this.slots.slice(0, this.usable);
  }

  /** Usable slots with no task and no holder. */
  free(): Slot[] {
    return this.taskSlots.filter((s) => s.task === undefined && s.heldBy === undefined);
  }

  /** The free slot a request should use, or undefined when it must wait. */
  pick(request: SlotRequest): Slot | undefined {
    const free = this.free();
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

  /** Marks `slot` as used now (least recently used slots are reused first). */
  touch(slot: Slot): void {
    slot.lastUsed = ++this.clock;
  }

  /**
   * Makes the slot's KV hold the reusable prefix; returns how many tokens are cached (maybe 0). A prefix is
   * reused only if llama.cpp still holds every position the next token can attend to: its SWA cache
   * recycles cells that fell out of the window, so an old prefix may be incomplete there.
   */
  prepare(slot: Slot, request: SlotRequest): number {
    const cached = this.reuse(slot, request);
    if (cached > 0) {
      const posMin = this.c.api.memory_seq_pos_min(this.c.memory, slot.seq);
      const needed = this.c.slidingWindow > 0 ? Math.max(0, cached - this.c.slidingWindow) : 0;
      if (posMin < 0 || posMin > needed) {
        this.clear(slot);
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
      return slot.history.length;
    }
    if (slot === request.source) {
      this.trim(slot, request.length);
      return slot.history.length;
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

  /** Drops cached tokens after the first `keep` (everything when llama.cpp cannot cut there). */
  trim(slot: Slot, keep: number): void {
    if (slot.history.length <= keep) return;
    if (!this.c.api.memory_seq_rm(this.c.memory, slot.seq, keep, -1)) {
      this.clear(slot);
      return;
    }
    slot.history.length = keep;
  }

  /** Empties a slot's KV. */
  clear(slot: Slot): void {
    this.c.api.memory_seq_rm(this.c.memory, slot.seq, -1, -1);
    slot.history = [];
  }

  /** Releases slots held by `owner`. */
  release(owner: object): void {
    for (const slot of this.slots) if (slot.heldBy === owner) slot.heldBy = undefined;
  }

  /** Tokens held across all slots (a prefix shared by copies counts once per slot). */
  get tokensHeld(): number {
    return this.slots.reduce((n, s) => n + s.history.length, 0);
  }
}
