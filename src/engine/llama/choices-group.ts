/**
 * `generateChoices` on the llama.cpp engine: n generations of one prompt that decode it once. Choice 0
 * evaluates the prompt in a slot it holds for the group; the moment the prompt's last logits exist, every
 * other choice samples its first token from that same row and takes a copy of the prompt's KV
 * (`llama_memory_seq_cp`, slot-cache.ts) into a sequence of its own before the next decode, then decodes
 * on its own like any generation.
 */
import type { GenerateOptions } from "../../core/index.js";
import { choiceOptions } from "../choices.js";
import type { GenerateTask, GenerateTaskLinks } from "./generate-task.js";
import type { Scheduler } from "./scheduler.js";

/** What a choices group needs from the model. */
export interface ChoicesContext {
  scheduler: Scheduler;
  prompt: readonly number[];
  options: GenerateOptions;
  /** Choices (≥ 2; admitted already: `release` gives back one place per call). */
  n: number;
  release: () => void;
  /** A generation task of the prompt with these options and links (not submitted). */
  createTask: (
    options: GenerateOptions,
    links: GenerateTaskLinks & { onCancel?: (task: GenerateTask) => void },
  ) => GenerateTask;
}

/**
 * Creates and submits the group's tasks; returns them in choice order.
 * @throws whatever creating a task throws (a grammar llama.cpp cannot parse), with every place released
 */
export function startChoices(c: ChoicesContext): GenerateTask[] {
  // Choice 0 evaluates the prompt in a slot it holds for the group; the moment the prompt's last
  // logits exist, every other choice samples its first token from that same row and takes a copy of
  // the prompt's KV into a sequence of its own (before the next decode), then decodes on its own.
  const owner = {};
  const awaitingCopy = new Set<GenerateTask>();
  let shared = false;
  let distributing = false;
  let holding = true;
  const unhold = (): void => {
    if (!holding || distributing || (shared && awaitingCopy.size > 0)) return;
    holding = false;
    c.scheduler.release(owner);
  };
  const siblings: GenerateTask[] = [];
  let primary: GenerateTask | undefined;
  try {
    primary = c.createTask(choiceOptions(c.options, 0), {
      release: c.release,
      request: { kind: "any", prefix: c.options.cachePrompt === false ? [] : c.prompt, hold: owner },
      onPromptLogits: (index) => {
        shared = true;
        distributing = true;
        const source = primary!.slot!;
        for (const sibling of siblings) {
          if (sibling.done) continue;
          if (sibling.aborted) {
            sibling.abort();
            continue;
          }
          sibling.request = { kind: "copy", source, length: c.prompt.length, owner };
          if (sibling.startFromSharedPrompt(index, primary!.startedAtMs)) awaitingCopy.add(sibling);
        }
        // Ahead of the waiting requests, in choice order: they continue a request that already runs.
        for (const sibling of [...awaitingCopy].reverse()) c.scheduler.submit(sibling, { front: true });
        distributing = false;
        unhold();
      },
      onSettle: (error) => {
        // Ended before its prompt was evaluated (cancelled, failed, unloaded): so do the others.
        if (!shared)
          for (const sibling of siblings) {
            if (error === undefined) sibling.abort();
            else sibling.fail(error);
          }
        shared = true;
        unhold();
      },
    });
    for (let i = 1; i < c.n; i++) {
      const sibling: GenerateTask = c.createTask(choiceOptions(c.options, i), {
        release: c.release,
        // Until it shares the prompt it is in no queue: leaving its stream ends it at once.
        onCancel: (t) => (shared ? c.scheduler.cancel(t) : t.abort()),
        onStart: () => {
          awaitingCopy.delete(sibling);
          unhold();
        },
        onSettle: () => {
          awaitingCopy.delete(sibling);
          unhold();
        },
      });
      siblings.push(sibling);
    }
  } catch (error) {
    // A grammar llama.cpp cannot parse fails every choice alike: nothing was queued.
    for (const task of [primary, ...siblings]) task?.fail(error);
    for (let i = 0; i < c.n; i++) c.release();
    throw error;
  }
  c.scheduler.submit(primary);
  return [primary, ...siblings];
}
