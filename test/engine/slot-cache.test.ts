/**
 * Which sequence a request gets and what its KV holds (src/engine/llama/slot-cache.ts), on the real KV
 * cache of a tiny model: the longest cached prefix wins (least recently used on ties), at least one
 * prompt token is always left to evaluate, copies put a prefix of one sequence into another (or trim
 * the source itself when no other is free), held sequences are never handed out, and every edit keeps
 * llama.cpp's KV and our bookkeeping in step.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaEngine } from "../../src/engine/llama/llama-engine.js";
import type { Scheduler } from "../../src/engine/llama/scheduler.js";
import type { SlotCache } from "../../src/engine/llama/slot-cache.js";
import type { EngineModel } from "../../src/engine/types.js";
import type { loadLlama } from "../../src/native/load-llama.js";
import { tinyModel } from "../helpers/tiny-gguf.js";

let model: EngineModel;
let cache: SlotCache;
const owner = {};

/** llama.cpp's first and last cached position of a sequence (-1 when empty). */
function kvRange(seq: number): number {
  const c = (cache as unknown as { c: { api: ReturnType<typeof loadLlama>["api"]; memory: never } }).c;
  return c.api.memory_seq_pos_min(c.memory, seq);
}

/** The slot whose cache starts with `prompt`. */
function slotOf(prompt: number[]): number {
  return cache.slots.find((s) => prompt.every((t, i) => s.history[i] === t))!.seq;
}

/** Fills the sequence a generation of `prompt` takes (real KV), returns that slot's number. */
async function fill(prompt: number[], maxTokens = 3): Promise<number> {
  await model.generate(prompt, { temperature: 0, maxTokens }).result;
  return slotOf(prompt);
}

beforeAll(async () => {
  const path = await (await tinyModel()).gguf("f32");
  model = await new LlamaEngine().loadModel(path, { gpu: "cpu", contextSize: 128, sequences: 3 });
  cache = (model as unknown as { scheduler: Scheduler }).scheduler.cache;
});
afterAll(async () => {
  await model.dispose();
});

describe("slot cache", () => {
  it("hands a request the free slot with the longest cached prefix, least recently used on ties", async () => {
    const a = model.tokenize("<bos>salam, labas 3lik?", { parseSpecial: true });
    const b = model.tokenize("<bos>wach nta mzyan?", { parseSpecial: true });
    // At once, so each gets a sequence of its own (one after the other, b would reuse a's "<bos>").
    await Promise.all([a, b].map((p) => model.generate(p, { temperature: 0, maxTokens: 3 }).result));
    const seqA = slotOf(a);
    const seqB = slotOf(b);
    expect(seqA).not.toBe(seqB);
    expect(cache.pick({ kind: "any", prefix: [...a, 99] })!.seq).toBe(seqA);
    expect(cache.pick({ kind: "any", prefix: [...b, 99] })!.seq).toBe(seqB);
    // Nothing shared with either: the least recently used slot (the empty one, never used).
    const empty = cache.slots.find((s) => s.seq !== seqA && s.seq !== seqB)!;
    expect(cache.pick({ kind: "any", prefix: [300, 301] })).toBe(empty);
  });

  it("reuses a cached prefix but always leaves one prompt token to evaluate", async () => {
    const prompt = model.tokenize("<bos>Le match était très beau.", { parseSpecial: true });
    const seq = await fill(prompt, 4);
    const slot = cache.slots[seq]!;
    expect(slot.history.length).toBe(prompt.length + 3);
    // The same prompt again: all but its last token come from the cache.
    expect(cache.prepare(slot, { kind: "any", prefix: prompt })).toBe(prompt.length - 1);
    expect(slot.history).toEqual(prompt.slice(0, -1));
    expect(kvRange(seq)).toBe(0);
    const again = await model.generate(prompt, { temperature: 0, maxTokens: 2 }).result;
    expect(again.stats.cachedPromptTokens).toBe(prompt.length - 1);
  });

  it("copies a prefix into a free slot, or trims the idle source when none is free; held slots stay out", async () => {
    const prompt = model.tokenize("<bos>7na ghadi nmchiw l-bhar", { parseSpecial: true });
    const seq = await fill(prompt);
    const source = cache.slots[seq]!;
    source.heldBy = owner;
    expect(cache.free().map((s) => s.seq)).not.toContain(seq);
    const target = cache.pick({ kind: "copy", source, length: 5, owner })!;
    expect(target).not.toBe(source);
    expect(cache.prepare(target, { kind: "copy", source, length: 5, owner })).toBe(5);
    expect(target.history).toEqual(prompt.slice(0, 5));
    expect(kvRange(target.seq)).toBe(0);
    // Every other slot taken: the idle source itself is trimmed to the prefix.
    const others = cache.slots.filter((s) => s !== source);
    for (const s of others) s.heldBy = owner;
    expect(cache.pick({ kind: "copy", source, length: 4, owner })).toBe(source);
    expect(cache.prepare(source, { kind: "copy", source, length: 4, owner })).toBe(4);
    expect(source.history).toEqual(prompt.slice(0, 4));
    // A held slot is given to no ordinary request; releasing gives them back.
    expect(cache.pick({ kind: "any", prefix: prompt })).toBeUndefined();
    cache.release(owner);
    expect(cache.free()).toHaveLength(3);
  });

  it("trim and clear edit llama.cpp's KV and the bookkeeping together", async () => {
    const prompt = model.tokenize("<bos>2024 3 7 9", { parseSpecial: true });
    const seq = await fill(prompt);
    const slot = cache.slots[seq]!;
    const held = cache.tokensHeld;
    cache.trim(slot, 2);
    expect(slot.history).toEqual(prompt.slice(0, 2));
    expect(cache.tokensHeld).toBe(held - (prompt.length + 2 - 2));
    cache.clear(slot);
    expect(slot.history).toEqual([]);
    expect(kvRange(seq)).toBe(-1);
  });
});
