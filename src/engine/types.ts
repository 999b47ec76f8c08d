/**
 * The Engine interface: everything above src/engine (API, server, evaluator, CLI) talks to models through
 * these types, never to llama.cpp. A fake implementation (fake-engine.ts) passes the same contract tests.
 */

/** Why a generation ended. */
export type FinishReason = "stop" | "length" | "abort";

/** Which compute backend to use. `auto` picks a GPU when one is usable, else the CPU (with a notice). */
export type GpuChoice = "auto" | "cpu" | "cuda" | "vulkan" | "metal";

/** A LoRA adapter applied to a loaded model. */
export interface LoraAdapter {
  path: string;
  /** Default 1. */
  scale?: number;
}

/** Options of {@link Engine.loadModel}. */
export interface LoadModelOptions {
  /** Default "auto". */
  gpu?: GpuChoice;
  /** Layers to offload: a number, or "max" (default when a GPU is used). Ignored on CPU. */
  gpuLayers?: number | "max";
  /** Context window in tokens per sequence; default min(model's training context, 4096). */
  contextSize?: number;
  /** Sequences decoded together (concurrent requests); default 4. */
  sequences?: number;
  /** Tokens per llama_decode call; default 512. */
  batchSize?: number;
  /** CPU threads; default the machine's cores. */
  threads?: number;
  lora?: LoraAdapter[];
  /** KV cache precision; default "f16" (llama.cpp's default). "f32" gives bit-stable scores. */
  kvCacheType?: "f16" | "f32" | "q8_0";
  /** Flash attention; default "auto" (llama.cpp decides). */
  flashAttention?: "auto" | "on" | "off";
  /** Share one KV buffer between sequences (cheap prefix copies; best for scoring). Default true. */
  unifiedKv?: boolean;
  /** Called with one-line notices (e.g. "no GPU found, using the CPU"). */
  onNotice?: (message: string) => void;
  signal?: AbortSignal;
}

/** What the engine knows about a loaded model. */
export interface ModelInfo {
  path: string;
  /** llama.cpp's description, e.g. "gemma2 2B Q4_K - Medium". */
  description: string;
  architecture: string;
  /** Context the model was trained with. */
  trainContextSize: number;
  /** Context available to each sequence. */
  contextSize: number;
  sequences: number;
  vocabSize: number;
  parameters: number;
  sizeBytes: number;
  /** `tokenizer.chat_template` from the file, if any. */
  chatTemplate: string | undefined;
  /** Special tokens, read from the model. */
  tokens: {
    bos: number | undefined;
    eos: number | undefined;
    eot: number | undefined;
    bosText: string;
    eosText: string;
    /** Every end-of-generation token (eos, eot, …). */
    endOfGeneration: number[];
  };
  addBos: boolean;
  backend: "cpu" | "cuda" | "vulkan" | "metal";
  gpuLayers: number;
  devices: string[];
  threads: number;
  lora: LoraAdapter[];
}

/** Sampling and stopping options of one generation. */
export interface GenerateOptions {
  /** Maximum new tokens; default: until an end token or the context is full. */
  maxTokens?: number;
  /** 0 = greedy (deterministic). Default 0.8 like llama.cpp/Ollama. */
  temperature?: number;
  /** Default 40; 0 disables. */
  topK?: number;
  /** Default 0.95; 1 disables. */
  topP?: number;
  /** Default 0.05; 0 disables. */
  minP?: number;
  /** Default 1 (off). */
  repeatPenalty?: number;
  /** Tokens the repeat penalty looks back over; default 64. */
  repeatLastN?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  /** Sampling seed; default random. Same seed + same options → same text. */
  seed?: number;
  /** Added to the logits of these token ids before sampling (OpenAI `logit_bias`; -100 bans, +100 forces). */
  logitBias?: Readonly<Record<number, number>>;
  /**
   * Reuse the KV cache of an earlier request that shares a prefix with this prompt (default true). Reuse
   * is faster but its numbers can differ in the last bits from a fresh evaluation; false gives results
   * that depend only on the prompt and options (bit-for-bit reproducible sampling with a seed).
   */
  cachePrompt?: boolean;
  /** Generation stops before any of these strings; the stop text is not returned. */
  stop?: string[];
  signal?: AbortSignal;
}

/** Per-request numbers. Times in milliseconds. */
export interface GenerationStats {
  promptTokens: number;
  /** Prompt tokens whose KV was reused from an earlier request (not recomputed). */
  cachedPromptTokens: number;
  generatedTokens: number;
  timeToFirstTokenMs: number;
  promptMs: number;
  generationMs: number;
  totalMs: number;
  promptTokensPerSecond: number;
  tokensPerSecond: number;
  finishReason: FinishReason;
}

/** One streamed piece of generated text (may be "" when a token completes no character yet). */
export interface GenerationChunk {
  text: string;
  token: number;
}

/** The final result of a generation. */
export interface GenerationResult {
  text: string;
  tokens: number[];
  stats: GenerationStats;
}

/** A running generation: iterate for chunks, await `result` for the end. Iterating is optional. */
export interface GenerationStream extends AsyncIterable<GenerationChunk> {
  readonly result: Promise<GenerationResult>;
}

/** Log-likelihood of a continuation given a context. */
export interface ContinuationScore {
  /** Sum of log P(token | everything before it) over the continuation (natural log). */
  logprob: number;
  /** True when every continuation token was the argmax at its position. */
  isGreedy: boolean;
  /** Per-token log-probabilities. */
  tokenLogprobs: number[];
}

/** A loaded model. */
export interface EngineModel extends AsyncDisposable {
  readonly info: ModelInfo;
  /** Text → token ids. `addSpecial` adds BOS when the model wants it; `parseSpecial` turns "<bos>" etc. into their ids. */
  tokenize(text: string, options?: { addSpecial?: boolean; parseSpecial?: boolean }): number[];
  /** Token ids → text. `special` renders control tokens such as `<end_of_turn>`. */
  detokenize(tokens: readonly number[], options?: { special?: boolean }): string;
  /** Generates from prompt tokens (already templated). Many may run at once; they share batches. */
  generate(prompt: readonly number[], options?: GenerateOptions): GenerationStream;
  /**
   * Scores continuations after a shared context (the context is evaluated once and its KV copied to
   * each continuation's sequence). `context` must be non-empty.
   */
  score(
    context: readonly number[],
    continuations: readonly (readonly number[])[],
    options?: { signal?: AbortSignal; cachePrompt?: boolean },
  ): Promise<ContinuationScore[]>;
  /** Raw logits for every position of `tokens` (tests, diagnostics). Each array has `vocabSize` floats. */
  logits(tokens: readonly number[], options?: { signal?: AbortSignal }): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/** Loads models. */
export interface Engine {
  loadModel(path: string, options?: LoadModelOptions): Promise<EngineModel>;
}
