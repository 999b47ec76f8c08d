/**
 * What goes into one llama_decode call.
 *
 * Default plan (fastest): one token for every generating task plus prompt chunks of the others, all in one
 * batch. llama.cpp's CPU kernels then take different paths depending on the batch's shape (one row vs
 * several, repacked-weight gemv vs gemm, flash-attention tiling) and accumulate in different orders, so a
 * request's numbers can change in the last bits with what else runs.
 *
 * Batch-invariant plan: every decode has a shape under which each row's arithmetic is the same whatever
 * else is in the batch (see docs/engine.md "Reproducibility"):
 * - a *step*: exactly one token for each sequence of a consecutive range of ≥ 2 sequences (llama.cpp
 *   splits a non-unified batch at gaps in the sequence ids), idle sequences in the range padded with a
 *   throw-away token that is removed from the KV right after the decode; or
 * - a *chunk*: 2…MAX_INVARIANT_CHUNK tokens of one sequence's prompt, never leaving a single token behind,
 *   with at least 2 outputs.
 * So no weight matmul ever sees a single row (which switches kernels), and flash attention always runs its
 * per-row path (not the split-KV path of one query, nor the tiled path of ≥ 64 queries).
 */
import type { NativeBatch } from "../../native/native-batch.js";
import type { SlotCache } from "./slot-cache.js";
import type { Slot, Task } from "./task.js";

/** Largest prompt chunk in batch-invariant mode (flash attention tiles at 64 queries). */
export const MAX_INVARIANT_CHUNK = 63;

/** One decode: who takes part, which batch rows each gets back, and padding rows to remove afterwards. */
export interface BatchPlan {
  participants: { task: Task; outputs: [position: number, index: number][] }[];
  padding: { seq: number; position: number }[];
  kind: "mixed" | "step" | "chunk";
}

function add(
  batch: NativeBatch,
  slot: Slot,
  task: Task,
  tokens: readonly number[],
  outputs: [number, number][],
  forceOutput: (k: number) => boolean,
): void {
  tokens.forEach((token, k) => {
    const position = slot.history.length;
    const want = task.wantsOutput(position, k === tokens.length - 1 && task.remaining === 0);
    const index = batch.add(token, position, slot.seq, want || forceOutput(k));
    slot.history.push(token);
    if (want) outputs.push([position, index]);
  });
}

/** The default plan: first one token per generating task, then prompt chunks in arrival order. */
export function planMixedBatch(batch: NativeBatch, active: readonly Task[], contextSize: number): BatchPlan {
  batch.clear();
  const participants: BatchPlan["participants"] = [];
  const order = [...active].sort((a, b) => (a.remaining === 1 ? 0 : 1) - (b.remaining === 1 ? 0 : 1));
  for (const task of order) {
    if (batch.free === 0) break;
    const slot = task.slot!;
    const room = contextSize - slot.history.length;
    const tokens = task.take(Math.min(batch.free, Math.max(0, room)));
    if (tokens.length === 0) continue;
    const outputs: [number, number][] = [];
    add(batch, slot, task, tokens, outputs, () => false);
    participants.push({ task, outputs });
  }
  return { participants, padding: [], kind: "mixed" };
}

/**
 * The batch-invariant plan. `preferStep` alternates steps and chunks so generations keep streaming while
 * long prompts are evaluated. `paddingToken` is any valid token id.
 */
export function planInvariantBatch(
  batch: NativeBatch,
  active: readonly Task[],
  cache: SlotCache,
  contextSize: number,
  preferStep: boolean,
  paddingToken: number,
): BatchPlan {
  batch.clear();
  const singles = active.filter((t) => t.remaining === 1);
  const chunks = active.filter((t) => t.remaining >= 2);
  if (singles.length > 0 && (preferStep || chunks.length === 0)) {
    return planStep(batch, singles, cache, contextSize, paddingToken);
  }
  const task = chunks[0];
  if (task === undefined) return { participants: [], padding: [], kind: "chunk" };
  const slot = task.slot!;
  let n = Math.min(task.remaining, MAX_INVARIANT_CHUNK, contextSize - slot.history.length);
  if (task.remaining - n === 1) n--;
  const tokens = task.take(n);
  const outputs: [number, number][] = [];
  // At least two output rows, so the last layer's matmuls never see a single row.
  add(batch, slot, task, tokens, outputs, (k) => k >= tokens.length - 2);
  return { participants: [{ task, outputs }], padding: [], kind: "chunk" };
}

function planStep(
  batch: NativeBatch,
  singles: readonly Task[],
  cache: SlotCache,
  contextSize: number,
  paddingToken: number,
): BatchPlan {
  const seqs = singles.map((t) => t.slot!.seq);
  let lo = Math.min(...seqs);
  let hi = Math.max(...seqs);
  if (lo === hi) {
    if (hi + 1 < cache.slots.length) hi++;
    else lo--;
  }
  const participants: BatchPlan["participants"] = [];
  const padding: BatchPlan["padding"] = [];
  for (let seq = lo; seq <= hi; seq++) {
    const slot = cache.slots[seq]!;
    const task = slot.task;
    if (task !== undefined && !task.done && task.remaining > 0) {
      const outputs: [number, number][] = [];
      add(batch, slot, task, task.take(1), outputs, () => true);
      participants.push({ task, outputs });
      continue;
    }
    // An idle sequence in the range: a throw-away token at the end of its cache, removed after the decode.
    if (slot.history.length >= contextSize) cache.trim(slot, contextSize - 1);
    const position = slot.history.length;
    batch.add(paddingToken, position, seq, true);
    padding.push({ seq, position });
  }
  return { participants, padding, kind: "step" };
}
