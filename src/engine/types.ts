/**
 * The Engine interface: everything above src/engine (API, server, evaluator, CLI) talks to models through
 * these types, never to llama.cpp. A fake implementation (fake-engine.ts) passes the same contract tests.
 */
import type { EmbedOptions, GenerateOptions, ScoreOptions } from "../core/index.js";

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
  /** CPU threads for generation steps; default the machine's cores (`ATLAS_THREADS`). */
  threads?: number;
  /** CPU threads for prompt evaluation; default `threads`. */
  threadsBatch?: number;
  /**
   * How long idle llama.cpp threads spin before sleeping, 0–100 (ggml's poll level). Default 0: spinning
   * threads would compete with the JavaScript thread between decodes (docs/engine.md "Threads").
   */
  threadPoll?: number;
  /** Scheduling priority of llama.cpp's threads. Default "normal"; "high"/"realtime" may need privileges. */
  threadPriority?: "low" | "normal" | "medium" | "high" | "realtime";
  lora?: LoraAdapter[];
  /**
   * Requests that may wait for a free sequence; one more is refused at once with `AtlasError("BUSY")`
   * (details: queued, retryAfterMs). Default 256. Every admitted request that has not settled, running or
   * waiting, counts against `sequences + maxQueue` from the moment it is admitted.
   */
  maxQueue?: number;
  /**
   * Make every result (tokens, log-probabilities, logits) depend only on the request and its seed, never on
   * what else runs, on prompt-cache reuse, or on the thread count. Costs throughput (docs/BENCHMARKS.md);
   * verified on the CPU backend. Default false. See docs/engine.md "Reproducibility".
   */
  batchInvariant?: boolean;
  /** Lock the model's weights in RAM (llama.cpp's mlock) so the OS never pages them out. Default false. */
  mlock?: boolean;
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
  /** Loaded with `batchInvariant`: results depend only on the request (docs/engine.md). */
  batchInvariant: boolean;
  /** Length of an embedding (the model's hidden size). */
  embeddingSize: number;
}

/** Sampling and stopping options of one generation: the request contract's (src/core/request.ts). */
export type { EmbedOptions, GenerateOptions, ScoreOptions } from "../core/index.js";

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

/** A token and its log-probability (natural log). */
export interface TokenLogprob {
  token: number;
  logprob: number;
}

/**
 * One streamed piece of generated text (may be "" when a token completes no character yet). `token` is
 * -1 for a final piece that flushes held-back text. With `logprobs` set, `logprob` is the token's
 * log-probability and `topLogprobs` the most likely alternatives (best first).
 */
export interface GenerationChunk {
  text: string;
  token: number;
  logprob?: number;
  topLogprobs?: TokenLogprob[];
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
  /** With `topLogprobs: N`: the N most likely tokens at each continuation position, best first. */
  topLogprobs?: TokenLogprob[][];
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
   * `n` completions of one prompt (OpenAI's `n`, best-of sampling): the prompt is evaluated once and its
   * KV copied to the other choices' sequences (`llama_memory_seq_cp`), not evaluated n times. Each stream
   * behaves like {@link generate}'s; choice i samples with `seed + i` when a seed is given (greedy choices
   * are equal). Leaving one choice's stream ends only that choice; `signal` ends them all. Each choice
   * counts against the queue bound.
   * @throws AtlasError BAD_ARGUMENT when `n` is not 1 … `info.sequences` (field `n`); the same errors as generate()
   */
  generateChoices(prompt: readonly number[], n: number, options?: GenerateOptions): GenerationStream[];
  /**
   * Scores continuations after a shared context (the context is evaluated once and its KV copied to
   * each continuation's sequence). `context` must be non-empty.
   */
  score(
    context: readonly number[],
    continuations: readonly (readonly number[])[],
    options?: ScoreOptions,
  ): Promise<ContinuationScore[]>;
  /** Raw logits for every position of `tokens` (tests, diagnostics). Each array has `vocabSize` floats. */
  logits(tokens: readonly number[], options?: ScoreOptions): Promise<Float32Array[]>;
  /**
   * An embedding of `tokens` (1 … contextSize ids): the mean of the model's final hidden states (after its
   * output norm) over every token, `info.embeddingSize` floats, not normalised. It depends only on the
   * tokens — not on other requests, batching or prompt caches — and runs on a second context of the
   * same weights, created on first use (its KV cache holds one sequence of `contextSize` tokens),
   * interleaved with generation steps.
   */
  embed(tokens: readonly number[], options?: EmbedOptions): Promise<Float32Array>;
  /** What the model is doing now (for `/api/ps`, metrics, tests). */
  state(): EngineState;
  /**
   * Unloads the model. Running and queued generations end with `finishReason: "abort"`; running and queued
   * `score()`/`logits()` reject with `AtlasError("ABORTED")`; later calls throw `AtlasError("UNLOADED")`.
   * Native memory is freed once the decode in progress (if any) returns.
   */
  dispose(): Promise<void>;
}

/** A live view of an engine model's work. */
export interface EngineState {
  /** Sequences (slots) of the model. */
  sequences: number;
  /** Requests that hold a sequence now (generating, scoring, evaluating). */
  active: number;
  /** Requests waiting for a sequence. */
  queued: number;
  /** The queue limit (`maxQueue`). */
  maxQueue: number;
  /** Sequences no request holds. */
  freeSlots: number;
  /** Tokens held in the KV cache across all sequences (prompt cache included), and its capacity. */
  kvCellsUsed: number;
  kvCells: number;
  /** Whether results are batch-invariant (`batchInvariant`). */
  batchInvariant: boolean;
}

/** Loads models. */
export interface Engine {
  loadModel(path: string, options?: LoadModelOptions): Promise<EngineModel>;
}
