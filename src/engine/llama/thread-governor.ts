/**
 * Fewer threads when the machine is busy (issue 25, "no collapse under contention"). ggml's CPU threads
 * meet at a barrier after every operation of a decode; when another process takes a core, one of them is
 * descheduled and the others wait at each barrier for its next time slice, so a decode with as many
 * threads as cores can take several times as long as one with a thread fewer.
 *
 * The governor watches generation steps (decodes of one token per sequence; prompt chunks vary too much
 * in size to compare). On a quiet machine a step never takes much longer than the fastest one seen, and
 * nothing ever changes. When steps become markedly slower than that, it tries one thread fewer for a few
 * steps and keeps whichever is faster; while on fewer threads it tries the full count again now and
 * then, so it returns once the machine is quiet. Results do not depend on it in batch-invariant mode
 * (identical at any thread count); in the default mode, as across processes, they may differ in the
 * last bits.
 */

/** Steps measured per trial of a thread count. */
const TRIAL_STEPS = 3;
/** A step this much slower than the fastest seen (at the current count) suggests contention. */
const SLOW = 1.5;
/** A count must be this much faster than the other to be switched to. */
const BETTER = 0.9;
/** Steps between two trials (so a machine that stays busy costs at most 3 slow steps in 64). */
const RETRY_EVERY = 64;
/** When the machine was already busy at load time, the first trial comes after this many steps. */
const FIRST_TRIAL = 4;

export class ThreadGovernor {
  private current: number;
  /** Fastest step seen at each count (ms), the machine's quiet speed. */
  private readonly fastest = new Map<number, number>();
  /** Recent steps at the current count (ms). */
  private recent: number[] = [];
  private trial: { threads: number; from: number; steps: number[] } | undefined;
  /** Steps to wait before the next trial may start. */
  private cooldown: number;
  /** Whether a trial of fewer threads is due without waiting for slow steps (busy at load time). */
  private early: boolean;

  /**
   * @param max the configured thread count (never exceeded)
   * @param apply sets the thread count for the next decodes (llama_set_n_threads)
   * @param busyAtStart whether other processes already used the cores when the model was loaded (then
   *   the fastest step seen is no quiet baseline, and one trial of fewer threads comes early)
   */
  constructor(
    private readonly max: number,
    private readonly apply: (threads: number) => void,
    busyAtStart = false,
  ) {
    this.current = max;
    this.early = busyAtStart;
    this.cooldown = busyAtStart ? FIRST_TRIAL : 0;
  }

  /** The thread count the next decode uses. */
  get threads(): number {
    return this.trial?.threads ?? this.current;
  }

  /** Reports how long a generation step took (ms). May change the count for the next decode. */
  observe(ms: number): void {
    if (this.max < 2 || !(ms > 0)) return;
    const threads = this.threads;
    const fastest = this.fastest.get(threads);
    if (fastest === undefined || ms < fastest) this.fastest.set(threads, ms);
    if (this.trial !== undefined) {
      this.trial.steps.push(ms);
      if (this.trial.steps.length >= TRIAL_STEPS) this.endTrial();
      return;
    }
    this.recent.push(ms);
    if (this.recent.length > TRIAL_STEPS) this.recent.shift();
    if (this.cooldown > 0) {
      this.cooldown--;
      if (this.cooldown > 0 || !this.early) return;
    }
    if (this.current === this.max) {
      const slow =
        this.recent.length === TRIAL_STEPS && median(this.recent) > SLOW * this.fastest.get(this.max)!;
      if (slow || this.early) this.startTrial(this.max - 1);
    } else {
      this.startTrial(this.max);
    }
  }

  private startTrial(threads: number): void {
    this.early = false;
    this.trial = { threads, from: median(this.recent), steps: [] };
    this.apply(threads);
  }

  private endTrial(): void {
    const trial = this.trial!;
    this.trial = undefined;
    this.cooldown = RETRY_EVERY;
    if (median(trial.steps) < BETTER * trial.from) {
      this.current = trial.threads;
      this.recent = trial.steps.slice(-TRIAL_STEPS);
    } else {
      this.apply(this.current);
    }
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
