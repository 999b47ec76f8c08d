/**
 * Builds a llama.cpp sampler chain for one generation, in llama.cpp's usual order:
 * penalties → top-k → top-p → min-p → temperature → random draw; temperature 0 → greedy.
 */
import { randomInt } from "node:crypto";
import type { LlamaApi, NativePointer } from "../../native/llama-api.js";
import { SAMPLING_DEFAULTS, type GenerateOptions } from "../../core/index.js";

/** Creates the chain; free it with `api.sampler_free`. */
export function createSamplerChain(
  api: LlamaApi,
  vocabSize: number,
  options: GenerateOptions,
): NativePointer {
  const temperature = options.temperature ?? SAMPLING_DEFAULTS.temperature;
  const chain = api.sampler_chain_init(api.sampler_chain_default_params());
  const add = (sampler: NativePointer): void => api.sampler_chain_add(chain, sampler);
  const bias = Object.entries(options.logitBias ?? {}).map(([token, value]) => ({
    token: Number(token),
    bias: value,
  }));
  if (bias.length > 0) add(api.sampler_init_logit_bias(vocabSize, bias.length, bias));
  const repeat = options.repeatPenalty ?? SAMPLING_DEFAULTS.repeatPenalty;
  const frequency = options.frequencyPenalty ?? SAMPLING_DEFAULTS.frequencyPenalty;
  const presence = options.presencePenalty ?? SAMPLING_DEFAULTS.presencePenalty;
  if (repeat !== 1 || frequency !== 0 || presence !== 0) {
    add(
      api.sampler_init_penalties(
        vocabSize,
        options.repeatLastN ?? SAMPLING_DEFAULTS.repeatLastN,
        repeat,
        frequency,
        presence,
      ),
    );
  }
  if (temperature <= 0) {
    add(api.sampler_init_greedy());
    return chain;
  }
  const topK = options.topK ?? SAMPLING_DEFAULTS.topK;
  if (topK > 0) add(api.sampler_init_top_k(topK));
  const topP = options.topP ?? SAMPLING_DEFAULTS.topP;
  if (topP < 1) add(api.sampler_init_top_p(topP, 1));
  const minP = options.minP ?? SAMPLING_DEFAULTS.minP;
  if (minP > 0) add(api.sampler_init_min_p(minP, 1));
  add(api.sampler_init_temp(temperature));
  add(api.sampler_init_dist(options.seed === undefined ? randomInt(0, 2 ** 32 - 1) : options.seed >>> 0));
  return chain;
}
