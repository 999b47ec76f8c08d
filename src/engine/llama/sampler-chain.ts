/**
 * Builds a llama.cpp sampler chain for one generation, in llama.cpp's usual order:
 * grammar → logit bias → penalties → top-k → typical-p → top-p → min-p → temperature → random draw
 * (common/common.h's default `samplers` order: top-k, typical-p, top-p, min-p, temperature);
 * temperature 0 → greedy. The grammar comes first so no later cut keeps only tokens it forbids.
 */
import { randomInt } from "node:crypto";
import type { LlamaApi, NativePointer } from "../../native/llama-api.js";
import { AtlasError, SAMPLING_DEFAULTS, type GenerateOptions } from "../../core/index.js";
import type { NativeModel } from "./native-model.js";

/** A chain and its penalties sampler (which also learns the prompt's tokens). */
export interface SamplerChain {
  chain: NativePointer;
  penalties: NativePointer | undefined;
}

/**
 * Creates the chain; free it with `api.sampler_free(chain)`.
 * @throws AtlasError BAD_ARGUMENT (field `grammar`) when llama.cpp cannot parse the grammar
 */
export function createSamplerChain(
  api: LlamaApi,
  model: NativeModel,
  options: GenerateOptions,
): SamplerChain {
  const vocabSize = model.meta.vocabSize;
  const temperature = options.temperature ?? SAMPLING_DEFAULTS.temperature;
  const chain = api.sampler_chain_init(api.sampler_chain_default_params());
  const add = (sampler: NativePointer): void => api.sampler_chain_add(chain, sampler);
  let penalties: NativePointer | undefined;
  try {
    if (options.grammar !== undefined) {
      const grammar = api.sampler_init_grammar(model.vocab, options.grammar, "root");
      if (grammar === null) {
        const log = model.llama.recentLog().slice(-2).join(" | ");
        throw new AtlasError(
          "BAD_ARGUMENT",
          `llama.cpp could not parse the grammar${log === "" ? "" : ` (${log})`}`,
          {
            hint: "the grammar must be GBNF with a 'root' rule",
            details: { field: "grammar" },
          },
        );
      }
      add(grammar);
    }
    const bias = Object.entries(options.logitBias ?? {}).map(([token, value]) => ({
      token: Number(token),
      bias: value,
    }));
    for (const b of bias) {
      if (b.token >= vocabSize)
        throw new AtlasError(
          "BAD_ARGUMENT",
          `logitBias names token ${b.token}, outside the vocabulary 0..${vocabSize - 1}`,
          {
            details: { field: "logitBias" },
          },
        );
    }
    if (bias.length > 0) add(api.sampler_init_logit_bias(vocabSize, bias.length, bias));
    const repeat = options.repeatPenalty ?? SAMPLING_DEFAULTS.repeatPenalty;
    const frequency = options.frequencyPenalty ?? SAMPLING_DEFAULTS.frequencyPenalty;
    const presence = options.presencePenalty ?? SAMPLING_DEFAULTS.presencePenalty;
    if (repeat !== 1 || frequency !== 0 || presence !== 0) {
      penalties = api.sampler_init_penalties(
        vocabSize,
        options.repeatLastN ?? SAMPLING_DEFAULTS.repeatLastN,
        repeat,
        frequency,
        presence,
      );
      add(penalties);
    }
    if (temperature <= 0) {
      add(api.sampler_init_greedy());
      return { chain, penalties };
    }
    const topK = options.topK ?? SAMPLING_DEFAULTS.topK;
    if (topK > 0) add(api.sampler_init_top_k(topK));
    const typicalP = options.typicalP ?? SAMPLING_DEFAULTS.typicalP;
    if (typicalP < 1) add(api.sampler_init_typical(typicalP, 1));
    const topP = options.topP ?? SAMPLING_DEFAULTS.topP;
    if (topP < 1) add(api.sampler_init_top_p(topP, 1));
    const minP = options.minP ?? SAMPLING_DEFAULTS.minP;
    if (minP > 0) add(api.sampler_init_min_p(minP, 1));
    add(api.sampler_init_temp(temperature));
    add(api.sampler_init_dist(options.seed === undefined ? randomInt(0, 2 ** 32 - 1) : options.seed >>> 0));
    return { chain, penalties };
  } catch (error) {
    api.sampler_free(chain);
    throw error;
  }
}
