/** Aggregate generation throughput of `n` requests decoded together by one atlas model. */
import type { EngineModel, GenerateOptions } from "../src/engine/index.js";

/**
 * Starts `n` greedy generations of `tokens` new tokens each (2-token prompts that differ by `salt`) and
 * returns tokens/s over the generation phase only, like llama-batched-bench's S_TG: tokens after each
 * request's first one, divided by the span from the earliest first token to the last finish. `extra`
 * options are added to every request (e.g. a logit bias that bans end tokens).
 */
export async function aggregateThroughput(
  model: EngineModel,
  n: number,
  tokens: number,
  salt = 0,
  extra: GenerateOptions = {},
): Promise<number> {
  const bos = model.info.tokens.bos!;
  const base = Math.floor(model.info.vocabSize / 2);
  // Like llama-batched-bench, generate exactly `tokens` tokens: an end token must not stop a sequence early.
  const noEnd = Object.fromEntries(model.info.tokens.endOfGeneration.map((t) => [t, -100]));
  const results = await Promise.all(
    Array.from(
      { length: n },
      (_, i) =>
        model.generate([bos, base + i * 7 + salt], {
          maxTokens: tokens + 1,
          temperature: 0,
          cachePrompt: false,
          logitBias: noEnd,
          ...extra,
        }).result,
    ),
  );
  const starts = results.map((x) => x.stats.totalMs - x.stats.generationMs);
  const span = Math.max(...results.map((x) => x.stats.totalMs)) - Math.min(...starts);
  return (results.reduce((sum, x) => sum + x.stats.generatedTokens - 1, 0) * 1000) / span;
}
