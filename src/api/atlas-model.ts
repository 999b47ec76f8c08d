/**
 * A loaded model with the conveniences users expect from transformers: chat templating, generation from
 * messages or raw text, log-likelihood scoring with lm-evaluation-harness's tokenization rules.
 */
import { AtlasError, validateMessages, type ChatMessage } from "../core/index.js";
import type {
  ContinuationScore,
  EngineModel,
  GenerateOptions,
  GenerationStream,
  ModelInfo,
} from "../engine/index.js";
import { GEMMA2_CHAT_TEMPLATE, renderChatTemplate, renderOllamaChat } from "../templates/index.js";
import { NO_DEFAULTS, withDefaultMessages, type ModelDefaults } from "./model-defaults.js";

/** Options of {@link AtlasModel.applyChatTemplate}. */
export interface ApplyChatTemplateOptions {
  /** Append the text that opens the assistant's turn. Default true. */
  addGenerationPrompt?: boolean;
  /** Return token ids instead of text. Default false. */
  tokenize?: boolean;
}

/** Options of {@link AtlasModel.loglikelihood}. */
export interface LoglikelihoodOptions {
  /** Prepend BOS to the context, as lm-eval does for Gemma. Default: the model's `add_bos` setting. */
  addBos?: boolean;
  signal?: AbortSignal;
  /** Reuse cached KV of an earlier request with the same prefix. Default true. */
  cachePrompt?: boolean;
  /**
   * Turn special-token text such as "<start_of_turn>" into its token, as Hugging Face tokenizers do by
   * default (so a chat-templated context scores like it does in transformers). Default true.
   */
  parseSpecial?: boolean;
}

/** Options of {@link AtlasModel.embed}. */
export interface EmbedTextOptions {
  /** Cut an input longer than the context to its first `contextSize` tokens instead of refusing it. Default false. */
  truncate?: boolean;
  /** Scale the vector to length 1 (cosine similarity becomes a dot product). Default true. */
  normalize?: boolean;
  signal?: AbortSignal;
}

/** An embedding and what it was made from. */
export interface TextEmbedding {
  embedding: Float32Array;
  /** Tokens embedded (after truncation). */
  tokens: number;
  /** True when the input was cut to the context. */
  truncated: boolean;
}

/** Scales `v` to length 1 (a zero vector stays zero). */
export function normalizeVector(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  return norm === 0 ? Float32Array.from(v) : Float32Array.from(v, (x) => x / norm);
}

/** `{ logprob, isGreedy }` of one continuation. */
export type LoglikelihoodResult = ContinuationScore;

/** Options of the {@link AtlasModel} constructor. */
export interface AtlasModelOptions {
  /** What a created model adds to requests (loadModel fills it in for models made with `atlas create`). */
  defaults?: ModelDefaults;
}

export class AtlasModel implements AsyncDisposable {
  /** The chat template used: the model's own, or Gemma-2's when the file has none. */
  readonly chatTemplate: string;
  /** A created model's SYSTEM, MESSAGE history, parameters and TEMPLATE; {@link NO_DEFAULTS} otherwise. */
  readonly defaults: ModelDefaults;

  constructor(
    readonly engineModel: EngineModel,
    options: AtlasModelOptions = {},
  ) {
    this.chatTemplate = engineModel.info.chatTemplate ?? GEMMA2_CHAT_TEMPLATE;
    this.defaults = options.defaults ?? NO_DEFAULTS;
  }

  get info(): ModelInfo {
    return this.engineModel.info;
  }

  /**
   * Renders `messages` with the model's chat template (text identical to transformers'
   * `apply_chat_template(messages, tokenize=False, add_generation_prompt=True)`).
   * With `tokenize: true`, returns ids; the BOS the template writes is not added twice.
   * A created model with a TEMPLATE renders it as Ollama does (turn by turn, BOS first, up to where the
   * reply starts: `addGenerationPrompt` does not apply). The model's SYSTEM and MESSAGE history are not
   * added here: see {@link withDefaults}.
   */
  applyChatTemplate(
    messages: readonly ChatMessage[],
    options: ApplyChatTemplateOptions & { tokenize: true },
  ): number[];
  applyChatTemplate(
    messages: readonly ChatMessage[],
    options?: ApplyChatTemplateOptions & { tokenize?: false },
  ): string;
  applyChatTemplate(
    messages: readonly ChatMessage[],
    options: ApplyChatTemplateOptions = {},
  ): string | number[] {
    const template = this.defaults.template;
    const text =
      template === undefined
        ? renderChatTemplate(this.chatTemplate, messages, {
            bosToken: this.info.tokens.bosText,
            eosToken: this.info.tokens.eosText,
            addGenerationPrompt: options.addGenerationPrompt ?? true,
          })
        : `${this.info.addBos ? this.info.tokens.bosText : ""}${renderOllamaChat(template, validateMessages(messages))}`;
    return options.tokenize === true ? this.promptTokens(text) : text;
  }

  /**
   * `messages` with a created model's SYSTEM text and MESSAGE history joined in, as Ollama's chat does
   * (the model's SYSTEM only when `messages` has no system message). Unchanged for other models.
   */
  withDefaults(messages: readonly ChatMessage[]): ChatMessage[] {
    return withDefaultMessages(messages, this.defaults);
  }

  /** `options` over a created model's parameters (each option given wins); unchanged for other models. */
  withDefaultOptions(options: GenerateOptions = {}): GenerateOptions {
    const merged: GenerateOptions = { ...this.defaults.options, ...options };
    if (this.defaults.repeatLastNWholeContext && options.repeatLastN === undefined)
      merged.repeatLastN = this.info.contextSize;
    return merged;
  }

  /** Tokens of an already-templated prompt: special tokens parsed, BOS added only if the text lacks it. */
  promptTokens(text: string): number[] {
    const ids = this.engineModel.tokenize(text, { parseSpecial: true });
    const bos = this.info.tokens.bos;
    if (this.info.addBos && bos !== undefined && ids[0] !== bos) ids.unshift(bos);
    return ids;
  }

  /**
   * Generates a reply. `input` is a conversation (rendered with the chat template) or raw text (a plain
   * completion: BOS + text, no template). Iterate the result for streamed text, or await `.result`.
   * A created model's defaults apply: its SYSTEM and MESSAGE history join a conversation (not raw text),
   * its parameters fill the options not given.
   */
  generate(input: readonly ChatMessage[] | string, options: GenerateOptions = {}): GenerationStream {
    const tokens =
      typeof input === "string"
        ? this.promptTokens(input)
        : this.applyChatTemplate(this.withDefaults(input), { tokenize: true });
    return this.engineModel.generate(tokens, this.withDefaultOptions(options));
  }

  /**
   * An embedding of text (BOS + its tokens; special-token text stays text) or of token ids as they are:
   * the mean of the model's final hidden states over the tokens, normalised unless `normalize: false`.
   * Same input, same vector, whatever else the model is doing.
   */
  async embed(input: string | readonly number[], options: EmbedTextOptions = {}): Promise<TextEmbedding> {
    let tokens: readonly number[];
    if (typeof input === "string") {
      const bos = this.info.tokens.bos;
      const ids = this.engineModel.tokenize(input, { parseSpecial: false });
      tokens = this.info.addBos && bos !== undefined ? [bos, ...ids] : ids;
    } else tokens = input;
    const limit = this.info.contextSize;
    const truncated = options.truncate === true && tokens.length > limit;
    if (truncated) tokens = tokens.slice(0, limit);
    const raw = await this.engineModel.embed(
      tokens,
      options.signal === undefined ? {} : { signal: options.signal },
    );
    return {
      embedding: options.normalize === false ? raw : normalizeVector(raw),
      tokens: tokens.length,
      truncated,
    };
  }

  tokenize(text: string, options?: { addSpecial?: boolean; parseSpecial?: boolean }): number[] {
    return this.engineModel.tokenize(text, options);
  }

  detokenize(tokens: readonly number[], options?: { special?: boolean }): string {
    return this.engineModel.detokenize(tokens, options);
  }

  /**
   * log P(continuation | context), tokenized like lm-evaluation-harness: trailing spaces of the context move
   * to the continuation; context and context+continuation are tokenized separately and the continuation is
   * what follows the context's tokens; an empty context scores after BOS alone.
   */
  async loglikelihood(
    context: string,
    continuation: string,
    options: LoglikelihoodOptions = {},
  ): Promise<LoglikelihoodResult> {
    const [result] = await this.loglikelihoods(context, [continuation], options);
    return result!;
  }

  /** Several continuations of one context, scored together (the context is evaluated once). */
  async loglikelihoods(
    context: string,
    continuations: readonly string[],
    options: LoglikelihoodOptions = {},
  ): Promise<LoglikelihoodResult[]> {
    if (continuations.length === 0) return [];
    const addBos = options.addBos ?? this.info.addBos;
    const bos = this.info.tokens.bos;
    const parseSpecial = options.parseSpecial ?? true;
    const encode = (text: string): number[] => {
      const ids = this.engineModel.tokenize(text, { parseSpecial });
      return addBos && bos !== undefined ? [bos, ...ids] : ids;
    };
    const trailing = /\s*$/.exec(context)?.[0] ?? "";
    const ctx = context.slice(0, context.length - trailing.length);
    let contextTokens = encode(ctx);
    if (contextTokens.length === 0) {
      if (bos === undefined)
        throw new AtlasError("BAD_ARGUMENT", "an empty context needs a BOS token, and this model has none");
      contextTokens = [bos];
    }
    const parts = continuations.map((continuation, i) => {
      const whole =
        ctx === ""
          ? [...contextTokens, ...this.engineModel.tokenize(trailing + continuation, { parseSpecial })]
          : encode(ctx + trailing + continuation);
      const tokens = whole.slice(contextTokens.length);
      if (tokens.length === 0)
        throw new AtlasError("BAD_ARGUMENT", `continuation ${i} adds no tokens to the context`);
      return tokens;
    });
    const scoreOptions: { signal?: AbortSignal; cachePrompt?: boolean } = {};
    if (options.signal !== undefined) scoreOptions.signal = options.signal;
    if (options.cachePrompt !== undefined) scoreOptions.cachePrompt = options.cachePrompt;
    return this.engineModel.score(contextTokens, parts, scoreOptions);
  }

  dispose(): Promise<void> {
    return this.engineModel.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
