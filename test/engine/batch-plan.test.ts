/**
 * The shapes of the batches the scheduler plans (src/engine/llama/batch-plan.ts), on the real llama.cpp
 * batch and KV cache of a tiny model: the batch-invariant plan never decodes a single row, keeps prompt
 * chunks within 2…63 tokens without leaving one token behind and with ≥ 2 output rows, pads idle
 * sequences inside a step's range and removes that padding from the KV afterwards; the default plan puts
 * generation steps first and respects the batch's capacity.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaEngine } from "../../src/engine/llama/llama-engine.js";
import {
  MAX_INVARIANT_CHUNK,
  planInvariantBatch,
  planMixedBatch,
} from "../../src/engine/llama/batch-plan.js";
import type { Scheduler } from "../../src/engine/llama/scheduler.js";
import type { SlotCache } from "../../src/engine/llama/slot-cache.js";
import { Task, type Slot } from "../../src/engine/llama/task.js";
import type { EngineModel } from "../../src/engine/types.js";
import { loadLlama } from "../../src/native/load-llama.js";
import { NativeBatch } from "../../src/native/native-batch.js";
import { tinyModel } from "../helpers/tiny-gguf.js";

/** A task that feeds fixed tokens and wants the last one's logits (as a generation's prompt does). */
class FeedTask extends Task {
  constructor(tokens: number[]) {
    super({ kind: "any", prefix: [] }, undefined, {}, true);
    this.feed = tokens;
  }
  start(): void {}
  wantsOutput(_position: number, isLastQueued: boolean): boolean {
    return isLastQueued;
  }
  onOutput(): void {}
  afterStep(): void {}
  fail(): void {
    this.done = true;
  }
  abort(): void {
    this.done = true;
  }
}

const CONTEXT = 128;
let model: EngineModel;
let cache: SlotCache;
let batch: NativeBatch;

/** Puts a task in slot `seq` with `cached` tokens already in its (bookkept) history. */
function place(task: Task, seq: number, cached = 0): Task {
  const slot: Slot = cache.slots[seq]!;
  slot.history = Array.from({ length: cached }, () => 5);
  slot.task = task;
  task.slot = slot;
  return task;
}

beforeAll(async () => {
  const path = await (await tinyModel()).gguf("f32");
  model = await new LlamaEngine().loadModel(path, {
    gpu: "cpu",
    contextSize: CONTEXT,
    sequences: 4,
    batchInvariant: true,
  });
  cache = (model as unknown as { scheduler: Scheduler }).scheduler.cache;
  batch = new NativeBatch(loadLlama("cpu").api, 512);
});
afterAll(async () => {
  batch.dispose();
  await model.dispose();
});

function reset(): void {
  for (const slot of cache.slots) {
    slot.task = undefined;
    slot.history = [];
  }
}

describe("batch-invariant plan", () => {
  it("a single generating sequence is decoded beside a padding row of its neighbour, never alone", () => {
    reset();
    const task = place(new FeedTask([9]), 0, 10);
    const plan = planInvariantBatch(batch, [task], cache, CONTEXT, true, 2);
    expect(plan.kind).toBe("step");
    const rows = batch.rows();
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.sequence)).toEqual([0, 1]);
    expect(rows.every((r) => r.output)).toBe(true);
    expect(rows[0]).toMatchObject({ token: 9, position: 10 });
    expect(rows[1]).toMatchObject({ token: 2, position: 0 });
    expect(plan.padding).toEqual([{ seq: 1, position: 0 }]);
    // The last sequence pairs with the one before it.
    reset();
    const last = place(new FeedTask([9]), 3, 4);
    planInvariantBatch(batch, [last], cache, CONTEXT, true, 2);
    expect(batch.rows().map((r) => r.sequence)).toEqual([2, 3]);
  });

  it("a step covers one consecutive range of sequences, idle ones padded", () => {
    reset();
    const a = place(new FeedTask([7]), 0, 3);
    const b = place(new FeedTask([8]), 2, 6);
    const plan = planInvariantBatch(batch, [a, b], cache, CONTEXT, true, 2);
    expect(batch.rows().map((r) => [r.sequence, r.token])).toEqual([
      [0, 7],
      [1, 2],
      [2, 8],
    ]);
    expect(plan.participants.map((p) => p.task)).toEqual([a, b]);
    expect(plan.padding).toEqual([{ seq: 1, position: 0 }]);
  });

  it("prompt chunks are 2…63 tokens, never leave one token behind, and have ≥ 2 output rows", () => {
    const chunkSizes = (length: number): number[] => {
      reset();
      const task = place(new FeedTask(Array.from({ length }, (_, i) => 10 + i)), 0);
      const sizes: number[] = [];
      while (task.remaining > 0) {
        const plan = planInvariantBatch(batch, [task], cache, CONTEXT, false, 2);
        const rows = batch.rows();
        expect(plan.kind).toBe("chunk");
        expect(rows.length).toBeGreaterThanOrEqual(2);
        expect(rows.length).toBeLessThanOrEqual(MAX_INVARIANT_CHUNK);
        expect(rows.filter((r) => r.output).length).toBeGreaterThanOrEqual(2);
        expect(new Set(rows.map((r) => r.sequence))).toEqual(new Set([0]));
        sizes.push(rows.length);
      }
      return sizes;
    };
    expect(chunkSizes(100)).toEqual([63, 37]);
    // 64 tokens: 63 + 1 would leave a single row; the plan takes 62 + 2.
    expect(chunkSizes(64)).toEqual([62, 2]);
    expect(chunkSizes(2)).toEqual([2]);
  });

  it("alternates steps and chunks so running generations keep streaming during a long prompt", () => {
    reset();
    const gen = place(new FeedTask([9]), 0, 5);
    const prompt = place(new FeedTask(Array.from({ length: 40 }, () => 11)), 1);
    expect(planInvariantBatch(batch, [gen, prompt], cache, CONTEXT, true, 2).kind).toBe("step");
    expect(planInvariantBatch(batch, [gen, prompt], cache, CONTEXT, false, 2).kind).toBe("chunk");
  });
});

describe("default (mixed) plan", () => {
  it("puts one token per generating request first, then prompt chunks up to the batch's capacity", () => {
    reset();
    const small = new NativeBatch(loadLlama("cpu").api, 8);
    try {
      const prompt = place(new FeedTask(Array.from({ length: 20 }, () => 11)), 0);
      const gen = place(new FeedTask([9]), 1, 4);
      const plan = planMixedBatch(small, [prompt, gen], CONTEXT);
      const rows = small.rows();
      expect(rows).toHaveLength(8);
      expect(rows[0]).toMatchObject({ sequence: 1, token: 9, output: true });
      expect(rows.slice(1).every((r) => r.sequence === 0)).toBe(true);
      // Only the generation wants logits now; the prompt's come with its last chunk.
      expect(rows.filter((r) => r.output)).toHaveLength(1);
      expect(plan.participants.map((p) => p.task)).toEqual([gen, prompt]);
      expect(prompt.remaining).toBe(13);
    } finally {
      small.dispose();
    }
  });
});

describe("padding rows", () => {
  it("are removed from the KV after the decode: an idle neighbour's sequence stays empty", async () => {
    reset();
    const prompt = model.tokenize("<bos>salam, labas 3lik?", { parseSpecial: true });
    const r = await model.generate(prompt, { temperature: 0, maxTokens: 6, cachePrompt: false }).result;
    expect(r.tokens).toHaveLength(6);
    const { api } = loadLlama("cpu");
    const memory = (cache as unknown as { c: { memory: Parameters<typeof api.memory_seq_pos_min>[0] } }).c
      .memory;
    const used = cache.slots.filter((s) => s.history.length > 0);
    expect(used).toHaveLength(1);
    // Every other sequence was padded in each step and holds nothing now.
    for (const slot of cache.slots)
      if (slot !== used[0]) expect(api.memory_seq_pos_min(memory, slot.seq)).toBe(-1);
    expect(api.memory_seq_pos_min(memory, used[0]!.seq)).toBe(0);
  });
});
