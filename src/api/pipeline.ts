/**
 * `pipeline("text-generation", model)`, shaped like transformers' pipeline so the Atlas-Chat model card's
 * Python snippet translates line by line:
 *
 *   const pipe = await pipeline("text-generation", "atlas-chat:2b");
 *   const out = await pipe(messages, { max_new_tokens: 256, temperature: 0 });
 *   out[0].generated_text.at(-1).content;   // the assistant's reply
 */
import { AtlasError, type ChatMessage } from "../core/index.js";
import type { GenerateOptions } from "../engine/index.js";
import type { AtlasModel } from "./atlas-model.js";
import { loadModel, type AtlasLoadOptions } from "./load-model.js";

/** Generation options with transformers' names. Defaults follow transformers: greedy unless `do_sample`. */
export interface PipelineGenerateOptions {
  max_new_tokens?: number;
  /** Sample instead of greedy decoding. Default: true when `temperature` > 0 is given, else false. */
  do_sample?: boolean;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  min_p?: number;
  repetition_penalty?: number;
  seed?: number;
  /** Stop before any of these strings. */
  stop_strings?: string[];
  /** For string input: return prompt + completion (default true, as transformers) or only the completion. */
  return_full_text?: boolean;
  signal?: AbortSignal;
}

/** One output, transformers-style: the whole conversation (chat input) or the text (string input). */
export type PipelineOutput<I> = [{ generated_text: I extends string ? string : ChatMessage[] }];

/** The callable returned by {@link pipeline}. */
export interface TextGenerationPipeline {
  <I extends readonly ChatMessage[] | string>(
    input: I,
    options?: PipelineGenerateOptions,
  ): Promise<PipelineOutput<I>>;
  /** Streams the reply as text deltas. */
  stream(input: readonly ChatMessage[] | string, options?: PipelineGenerateOptions): AsyncIterable<string>;
  readonly model: AtlasModel;
  dispose(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Maps transformers-style options onto the engine's. */
export function toGenerateOptions(options: PipelineGenerateOptions): GenerateOptions {
  const sample = options.do_sample ?? (options.temperature !== undefined && options.temperature > 0);
  const out: GenerateOptions = { temperature: sample ? (options.temperature ?? 1) : 0 };
  if (options.max_new_tokens !== undefined) out.maxTokens = options.max_new_tokens;
  if (options.top_p !== undefined) out.topP = options.top_p;
  if (options.top_k !== undefined) out.topK = options.top_k;
  if (options.min_p !== undefined) out.minP = options.min_p;
  if (options.repetition_penalty !== undefined) out.repeatPenalty = options.repetition_penalty;
  if (options.seed !== undefined) out.seed = options.seed;
  if (options.stop_strings !== undefined) out.stop = options.stop_strings;
  if (options.signal !== undefined) out.signal = options.signal;
  if (!sample) {
    // transformers ignores sampling knobs in greedy mode; so do we (top-k etc. would not change argmax anyway).
    out.topK = 0;
    out.topP = 1;
    out.minP = 0;
  }
  return out;
}

/**
 * Creates a text-generation pipeline for `model` (a ref for {@link loadModel}, or an already loaded model).
 */
export async function pipeline(
  task: "text-generation",
  model: string | AtlasModel,
  options: AtlasLoadOptions = {},
): Promise<TextGenerationPipeline> {
  if (task !== "text-generation") {
    throw new AtlasError("UNSUPPORTED", `pipeline task '${String(task)}' is not supported`, {
      hint: "use 'text-generation'",
    });
  }
  const loaded = typeof model === "string" ? await loadModel(model, options) : model;
  const run = async <I extends readonly ChatMessage[] | string>(
    input: I,
    opts: PipelineGenerateOptions = {},
  ): Promise<PipelineOutput<I>> => {
    const result = await loaded.generate(input, toGenerateOptions(opts)).result;
    if (typeof input === "string") {
      const text = opts.return_full_text === false ? result.text : input + result.text;
      return [{ generated_text: text }] as PipelineOutput<I>;
    }
    const history: readonly ChatMessage[] = Array.isArray(input) ? input : [];
    const conversation: ChatMessage[] = [...history, { role: "assistant", content: result.text }];
    return [{ generated_text: conversation }] as PipelineOutput<I>;
  };
  const stream = async function* (
    input: readonly ChatMessage[] | string,
    opts: PipelineGenerateOptions = {},
  ): AsyncGenerator<string> {
    for await (const chunk of loaded.generate(input, toGenerateOptions(opts)))
      if (chunk.text !== "") yield chunk.text;
  };
  return Object.assign(run, {
    stream,
    model: loaded,
    dispose: () => loaded.dispose(),
    [Symbol.asyncDispose]: () => loaded.dispose(),
  });
}
