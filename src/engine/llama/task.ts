/** A unit of work the scheduler feeds through one llama.cpp sequence ("slot"). */

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

/** Subclasses decide what to feed and what to do with the outputs. */
export abstract class Task {
  slot: Slot | undefined;
  /** Settled (finished, failed or aborted): the scheduler only removes it. */
  done = false;
  /** Cancelled by the caller (stream left early, signal, dispose): dropped at the next step. */
  cancelled = false;
  /** Tokens to feed, in order; `fed` of them are already in the batch/KV. */
  protected feed: number[] = [];
  protected fed = 0;

  /**
   * @param owner the request this task belongs to (a score() call runs several tasks for one request)
   * @param counted whether it counts toward the queue limit while waiting (a request's first task)
   */
  constructor(
    /** How the task gets its slot; a choice of `generateChoices` learns its source slot only later. */
    public request: SlotRequest,
    readonly signal: AbortSignal | undefined,
    readonly owner: object,
    readonly counted: boolean,
  ) {}

  /** Called once the slot is assigned and its KV is prepared; `cached` = tokens already in its KV. */
  abstract start(cached: number): void;
  /** Whether the token about to be placed at `position` needs its logits. */
  abstract wantsOutput(position: number, isLastQueued: boolean): boolean;
  /** Outputs of the last decode for this task, in position order. `index` is the batch index. */
  abstract onOutput(position: number, index: number): void;
  /** After a decode step this task took part in; may queue more tokens or finish. */
  abstract afterStep(): void;
  /** Settles with an error. */
  abstract fail(error: unknown): void;
  /** Settles as aborted (a generation resolves with finishReason "abort"; scoring rejects ABORTED). */
  abstract abort(): void;

  /** True once the caller asked to stop. */
  get aborted(): boolean {
    return this.cancelled || this.signal?.aborted === true;
  }

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
