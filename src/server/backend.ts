/**
 * What the routes ask of "the models", whoever runs them: the local engine (local-backend.ts) or an
 * OpenAI-compatible server upstream (upstream-backend.ts). The Ollama and OpenAI mappers produce these
 * requests from their JSON and turn these results back into their JSON; nothing here knows either wire
 * format.
 */
import type { ChatMessage, GenerateOptions } from "../core/index.js";
import type { FinishReason } from "../engine/index.js";
import type { JsonSchema } from "./json-schema-to-gbnf.js";

/** The prompt of a generation. */
export type PromptInput =
  /** A conversation, rendered with the model's chat template; `prefix` (Ollama's `context`) goes first. */
  | { kind: "messages"; messages: ChatMessage[]; prefix?: number[] }
  /** Text used as it is (no chat template); BOS is added when the model wants one. */
  | { kind: "text"; text: string; prefix?: number[] }
  /** Token ids used as they are. */
  | { kind: "tokens"; tokens: number[] };

/** Constrained output: any JSON object, or JSON that validates against a schema. */
export type OutputFormat = { kind: "json" } | { kind: "schema"; schema: JsonSchema; name?: string };

/** One generation, in the request contract's terms plus the server-level knobs. */
export interface GenerationRequest {
  model: string;
  input: PromptInput;
  /** Contract options (validated by the mapper); `signal` and `grammar` are set by the backend. */
  options: Omit<GenerateOptions, "signal" | "grammar">;
  format?: OutputFormat | undefined;
  /** The request's keep_alive in ms (negative = forever); default: the server's. */
  keepAliveMs?: number | undefined;
  /** Ollama's `num_ctx`: prompt + reply must fit in this many tokens (at most the loaded context). */
  contextLimit?: number | undefined;
  /** Ollama's `repeat_last_n: -1`: the penalties look back over the whole context. */
  repeatLastNWholeContext?: boolean | undefined;
}

/** A token as text and bytes, with its log-probability. */
export interface TokenLogprob {
  token: string;
  bytes: number[];
  logprob: number;
}

/** A generated token's log-probability and the most likely alternatives (best first). */
export interface TokenLogprobs extends TokenLogprob {
  top: TokenLogprob[];
}

/** One streamed piece of a generation. */
export interface GenerationDelta {
  text: string;
  /** Present when the request asked for logprobs and this piece is a token. */
  logprobs?: TokenLogprobs | undefined;
}

/** Durations in nanoseconds, as Ollama reports them. */
export interface Durations {
  totalNs: number;
  loadNs: number;
  promptNs: number;
  evalNs: number;
}

/** How a generation ended. */
export interface GenerationSummary {
  text: string;
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
  /** Prompt + generated token ids (Ollama's `context`), when the backend has them. */
  context: number[] | undefined;
  durations: Durations;
}

/** A running generation: iterate for deltas (leaving early cancels it), await `result` for the end. */
export interface Generation extends AsyncIterable<GenerationDelta> {
  readonly result: Promise<GenerationSummary>;
}

/** One prompt token with its log-probability given the tokens before it (the first has none). */
export interface PromptTokenScore {
  id: number | undefined;
  token: string;
  logprob: number | null;
  top: TokenLogprob[] | null;
}

/** Log-probabilities of every prompt token (`/v1/completions` with `echo`). */
export interface PromptScoreRequest {
  model: string;
  /** Text (tokenized with BOS like a completion prompt) or token ids as they are. */
  prompt: { kind: "text"; text: string } | { kind: "tokens"; tokens: number[] };
  /** Alternatives per position (0 = only the token's own log-probability; undefined = no scores, only the tokens). */
  top: number | undefined;
  keepAliveMs?: number | undefined;
}

/** The scored prompt: its tokens, its text (the echo) and each token's offset in that text. */
export interface PromptScores {
  text: string;
  tokens: PromptTokenScore[];
  offsets: number[];
}

/** One input of an embedding request: text (BOS + its tokens) or token ids as they are. */
export type EmbeddingInput = { kind: "text"; text: string } | { kind: "tokens"; tokens: number[] };

/** Inputs to embed, and how (`/api/embed`, `/api/embeddings`, `/v1/embeddings`). */
export interface EmbeddingRequest {
  model: string;
  inputs: EmbeddingInput[];
  /** Cut an input longer than the context instead of refusing it (Ollama's `truncate`). */
  truncate: boolean;
  /** Scale each vector to length 1 (`/api/embed` and OpenAI do; the older `/api/embeddings` does not). */
  normalize: boolean;
  /** Keep the first N components (normalised again after the cut when normalising): `dimensions`. */
  dimensions?: number | undefined;
  keepAliveMs?: number | undefined;
}

/** The vectors, in input order. */
export interface EmbeddingResult {
  embeddings: Float32Array[];
  /** Tokens embedded across all inputs. */
  promptTokens: number;
  durations: { totalNs: number; loadNs: number };
}

/** What `/tokenize` turns into token ids: text as it is, or a conversation through the chat template. */
export type TokenizeInput =
  | { kind: "text"; text: string; addSpecial: boolean }
  | { kind: "messages"; messages: ChatMessage[]; addGenerationPrompt: boolean; addSpecial: boolean };

/** Token ids (and, when asked, each token's text), with the context they must fit. */
export interface TokenizeResult {
  tokens: number[];
  pieces: string[] | undefined;
  /** Tokens one request may hold (vLLM's `max_model_len`). */
  contextLength: number;
}

/** The tokenizer's settings (vLLM's `/tokenizer_info`). */
export interface TokenizerDescription {
  bosToken: string | undefined;
  eosToken: string | undefined;
  addBos: boolean;
  contextLength: number;
  chatTemplate: string | undefined;
  /** The tokenizer's name, e.g. "llama.cpp (gemma2)", or what the upstream reports. */
  tokenizerClass: string;
  /** Extra settings an upstream reported (passed through). */
  extra?: Record<string, unknown>;
}

/** A model the backend can serve. */
export interface ModelListing {
  name: string;
  sizeBytes: number;
  modifiedAt: Date;
  digest: string;
  details: ModelDetails;
}

/** Ollama's `details`. */
export interface ModelDetails {
  format: string;
  family: string;
  parameterSize: string;
  quantizationLevel: string;
}

/** A loaded model (`/api/ps`). */
export interface RunningModel extends ModelListing {
  expiresAt: Date;
  /** Bytes in GPU memory (0 on the CPU). */
  sizeVram: number;
  contextLength: number;
  slots: number;
  busySlots: number;
  queued: number;
}

/** What `/api/show` reports. */
export interface ModelDescription extends ModelListing {
  template: string;
  parameters: Record<string, string | number | string[]>;
  modelInfo: Record<string, unknown>;
  license: string;
  capabilities: string[];
}

/** Progress of `/api/pull`, in Ollama's fields. */
export interface PullStatus {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

/** Slots and queue across every loaded model (for `/metrics`). */
export interface BackendLoad {
  slots: number;
  busySlots: number;
  queued: number;
  loadedModels: number;
}

/** The models behind the routes. */
export interface Backend {
  readonly kind: "local" | "upstream";
  /**
   * Starts a generation: loads the model, builds the prompt, checks it fits — all errors before the first
   * token are thrown here, so the route can still answer with a status.
   */
  generate(request: GenerationRequest, signal: AbortSignal): Promise<Generation>;
  /** Log-probabilities of a prompt's tokens (echo). */
  scorePrompt(request: PromptScoreRequest, signal: AbortSignal): Promise<PromptScores>;
  /** Embeddings of the inputs, in order. */
  embed(request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResult>;
  /** The model a request that names none means (vLLM's routes): the only one served, else an error. */
  defaultModel(): Promise<string>;
  /** Token ids of text or a templated conversation. */
  tokenize(
    model: string,
    input: TokenizeInput,
    withPieces: boolean,
    signal: AbortSignal,
  ): Promise<TokenizeResult>;
  /** Text of token ids (special tokens spelled out). */
  detokenize(model: string, tokens: number[], signal: AbortSignal): Promise<string>;
  /** The tokenizer's settings. */
  tokenizerInfo(model: string, signal: AbortSignal): Promise<TokenizerDescription>;
  /** Loads a model (an empty Ollama prompt); resolves to the load time in ms. */
  load(model: string, keepAliveMs: number | undefined): Promise<number>;
  /** Unloads a model once idle (keep_alive 0). */
  unload(model: string): Promise<void>;
  list(): Promise<ModelListing[]>;
  show(model: string): Promise<ModelDescription>;
  running(): Promise<RunningModel[]>;
  pull(model: string, onStatus: (status: PullStatus) => void, signal: AbortSignal): Promise<void>;
  remove(model: string): Promise<void>;
  copy(source: string, destination: string): Promise<void>;
  usage(): BackendLoad;
  /** Ends in-flight work and unloads everything. */
  close(): Promise<void>;
}
