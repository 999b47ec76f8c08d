/**
 * Where a decode step's time goes (`LoadModelOptions.onStep`): the scheduler and the generation tasks add
 * the duration of each phase here; one record per step is handed to the callback. Absent (undefined)
 * unless asked for, so the hot path pays one comparison.
 */
import type { StepTimeline } from "../types.js";

/** Phases a task's work on one output falls into. */
export type StepPhase = "sampleMs" | "logprobMs" | "detokenizeMs" | "emitMs";

export class StepClock {
  private current: StepTimeline = StepClock.empty();
  private lastDecodeEnd = 0;

  constructor(private readonly report: (step: StepTimeline) => void) {}

  private static empty(): StepTimeline {
    return {
      tokens: 0,
      outputs: 0,
      decodeMs: 0,
      gapMs: 0,
      sampleMs: 0,
      logprobMs: 0,
      detokenizeMs: 0,
      emitMs: 0,
      planMs: 0,
      overlapped: false,
    };
  }

  /** Adds the time since `since` (a performance.now() reading) to `phase`. */
  add(phase: StepPhase | "planMs", since: number): void {
    this.current[phase] += performance.now() - since;
  }

  /** A decode starts now with `tokens` tokens and `outputs` rows to read. */
  decodeStarted(tokens: number, outputs: number): number {
    const now = performance.now();
    this.current.tokens = tokens;
    this.current.outputs = outputs;
    this.current.gapMs = this.lastDecodeEnd === 0 ? 0 : now - this.lastDecodeEnd;
    return now;
  }

  decodeEnded(startedAt: number): void {
    this.lastDecodeEnd = performance.now();
    this.current.decodeMs = this.lastDecodeEnd - startedAt;
  }

  /** Deferred work ran while a decode ran (those phases were off the critical path). */
  overlapped(): void {
    this.current.overlapped = true;
  }

  /** The step's outputs are handled: report it and start the next record. */
  finish(): void {
    const step = this.current;
    this.current = StepClock.empty();
    this.report(step);
  }

  /** The loop went idle: the next decode's gap is not the worker waiting for JavaScript. */
  idle(): void {
    this.lastDecodeEnd = 0;
  }
}
