/**
 * What a model made with `atlas create` brings to every request: its SYSTEM text and MESSAGE history
 * (joined to the conversation as Ollama joins them), its sampling parameters (a request's own options win,
 * field by field), its load parameters and LoRA adapters (the caller's load options win), and its TEMPLATE.
 * A model that was not created has none: {@link NO_DEFAULTS}.
 */
import type { ChatMessage, GenerateOptions } from "../core/index.js";
import type { LoadModelOptions } from "../engine/index.js";
import { modelParameterOptions, withChatDefaults, type CreatedModel } from "../store/index.js";

/** A model's defaults. */
export interface ModelDefaults {
  /** The created model's name (`Atlas-Chat-2B:latest`), if it is one. */
  name?: string;
  system?: string;
  /** History put before every chat. */
  messages: readonly ChatMessage[];
  /** Sampling defaults. */
  options: Omit<GenerateOptions, "signal">;
  /** `repeat_last_n -1`: the penalties look back over the whole context. */
  repeatLastNWholeContext: boolean;
  /** A Gemma-format Go template that replaces the model's own chat template. */
  template?: string;
  /** Load defaults (`num_ctx` → contextSize …) and adapters. */
  load: Pick<LoadModelOptions, "contextSize" | "batchSize" | "gpuLayers" | "threads" | "lora">;
}

/** The defaults of a model that was not created: nothing added. */
export const NO_DEFAULTS: ModelDefaults = Object.freeze({
  messages: [],
  options: {},
  repeatLastNWholeContext: false,
  load: {},
});

/** The defaults of a created model (undefined: {@link NO_DEFAULTS}). */
export function modelDefaultsOf(created: CreatedModel | undefined): ModelDefaults {
  if (created === undefined) return NO_DEFAULTS;
  const mapped = modelParameterOptions(created.parameters, { where: created.manifestPath });
  return {
    name: created.name,
    ...(created.system === undefined || created.system === "" ? {} : { system: created.system }),
    messages: created.messages,
    options: mapped.generate,
    repeatLastNWholeContext: mapped.repeatLastNWholeContext,
    ...(created.template === undefined ? {} : { template: created.template }),
    load: {
      ...mapped.load,
      ...(created.adapters.length === 0 ? {} : { lora: created.adapters.map((path) => ({ path })) }),
    },
  };
}

/** `messages` with the model's SYSTEM and MESSAGE history joined in (see withChatDefaults). */
export function withDefaultMessages(
  messages: readonly ChatMessage[],
  defaults: ModelDefaults,
): ChatMessage[] {
  return withChatDefaults(messages, { system: defaults.system, messages: defaults.messages });
}

/** The caller's load options over the model's: adapters add up (the model's first). */
export function withDefaultLoadOptions<T extends LoadModelOptions>(options: T, defaults: ModelDefaults): T {
  const { lora, ...load } = defaults.load;
  const adapters = [...(lora ?? []), ...(options.lora ?? [])];
  return { ...load, ...options, ...(adapters.length === 0 ? {} : { lora: adapters }) };
}
