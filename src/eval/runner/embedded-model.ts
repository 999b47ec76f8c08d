/**
 * The embedded backend: an `AtlasModel` (llama.cpp in this process) as an {@link EvalModel}. Multiple-choice
 * items go to `loglikelihoods` (the context is evaluated once and shared by all choices); generations go
 * through the model's chat template. Load it with `batchInvariant: true` so results do not depend on
 * what runs beside them.
 */
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import type { AtlasModel } from "../../api/index.js";
import { AtlasError } from "../../core/index.js";
import type { EvalGenerateOptions, EvalGeneration, EvalModel, EvalModelInfo } from "./eval-model.js";
import type { ChoiceScore } from "../metrics/accuracy.js";
import type { EvalPrompt } from "../tasks/task-types.js";

/** Options of {@link embeddedEvalModel}. */
export interface EmbeddedEvalModelOptions {
  /** What the user called the model (results.json). Default the file name. */
  name?: string;
  /** Requests in flight. Default 2 × the model's sequences (one waiting per busy sequence). */
  concurrency?: number;
  /**
   * Reuse KV of earlier requests with a shared prefix. Default: only when the engine is batch-invariant,
   * since otherwise a reused prefix changes the last bits of the scores (docs/engine.md) and results
   * would depend on what ran before. The choices of one item always share their context.
   */
  cachePrompt?: boolean;
}

/** Wraps a loaded model; the cache identity is the file's name, size, modification time and adapters. */
export async function embeddedEvalModel(
  model: AtlasModel,
  options: EmbeddedEvalModelOptions = {},
): Promise<EvalModel> {
  const info = model.info;
  const stats = await stat(info.path).catch(() => undefined);
  const identity = {
    file: basename(info.path),
    size: stats?.size ?? info.sizeBytes,
    mtimeMs: stats?.mtimeMs ?? 0,
    description: info.description,
    lora: info.lora,
  };
  const evalInfo: EvalModelInfo = {
    name: options.name ?? basename(info.path),
    backend: "embedded",
    details: {
      path: info.path,
      description: info.description,
      architecture: info.architecture,
      parameters: info.parameters,
      size_bytes: info.sizeBytes,
      context_size: info.contextSize,
      sequences: info.sequences,
      backend: info.backend,
      threads: info.threads,
      lora: info.lora,
      batch_invariant: model.engineModel.state().batchInvariant,
      cache_prompt: options.cachePrompt ?? model.engineModel.state().batchInvariant,
    },
  };
  const cachePrompt = options.cachePrompt ?? model.engineModel.state().batchInvariant;
  return {
    id: `embedded:${JSON.stringify(identity)}`,
    info: evalInfo,
    concurrency: options.concurrency ?? 2 * info.sequences,
    loglikelihoods(
      context: string,
      continuations: readonly string[],
      signal?: AbortSignal,
    ): Promise<ChoiceScore[]> {
      return model.loglikelihoods(context, continuations, {
        cachePrompt,
        ...(signal === undefined ? {} : { signal }),
      });
    },
    async generate(
      prompt: EvalPrompt,
      generateOptions: EvalGenerateOptions & { signal?: AbortSignal },
    ): Promise<EvalGeneration> {
      const input = prompt.kind === "chat" ? prompt.messages : prompt.text;
      const result = await model.generate(input, { cachePrompt, ...generateOptions }).result;
      // A cut-off generation is not an answer: never let it reach the cache.
      if (result.stats.finishReason === "abort") throw new AtlasError("ABORTED", "generation cancelled");
      return { text: result.text, finishReason: result.stats.finishReason };
    },
    close: () => model.dispose(),
  };
}
