/**
 * A deterministic stand-in for llama.cpp, for unit tests of the layers above the engine (server, evaluator,
 * CLI). Tokens are UTF-8 bytes (0–255) plus four special tokens. After the Gemma marker
 * "<start_of_turn>model\n" the fake "model" spells out `reply(promptText)` byte by byte, then emits
 * `<end_of_turn>`; elsewhere its logits are seeded noise. Logits depend only on the token prefix, so
 * generate(), score() and logits() agree exactly, as they must for the real engine.
 *
 * It honours the same request contract as the real engine — validation, a bounded FIFO queue over
 * `sequences` slots, cancellation anywhere, dispose semantics, `maxTokens: 0`, logprobs — and the shared
 * contract suite (test/engine/engine-contract.ts) runs against both. Grammars are not simulated.
 */
import {
  AtlasError,
  checkEmbedLength,
  validateEmbedOptions,
  validateGenerateOptions,
  validateScoreOptions,
  validateScoreRequest,
  validateTokens,
} from "../core/index.js";
import { AsyncQueue } from "./async-queue.js";
import { checkChoiceCount, choiceOptions } from "./choices.js";
import { FakeScheduler, type FakeJob } from "./fake-scheduler.js";
import { argmax, logSumExp, topLogprobs } from "./log-softmax.js";
import { TokenTextStream } from "./token-text-stream.js";
import type {
  ContinuationScore,
  EmbedOptions,
  Engine,
  EngineModel,
  EngineState,
  GenerateOptions,
  GenerationChunk,
  GenerationResult,
  GenerationStream,
  LoadModelOptions,
  ModelInfo,
  ScoreOptions,
} from "./types.js";

const SPECIALS = ["<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>"] as const;
const BOS = 256;
const EOS = 257;
const EOT = 259;
const VOCAB = 256 + SPECIALS.length;
const MARKER = "<start_of_turn>model\n";
const REPLY_BOOST = 12;
const EMBEDDING_SIZE = 16;

/** Options of the fake engine. */
export interface FakeEngineOptions {
  /** What the fake model answers to a prompt (the text before the last "<start_of_turn>model\n"). */
  reply?: (prompt: string) => string;
  /** Per-step delay in ms, to exercise concurrency and abort. Default 0. */
  stepDelayMs?: number;
  /** The chat template the fake model reports. */
  chatTemplate?: string;
}

function hash(tokens: readonly number[], salt: number): number {
  let h = 2166136261 ^ salt;
  for (const t of tokens) h = Math.imul(h ^ t, 16777619);
  return h >>> 0;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FakeEngine implements Engine {
  constructor(private readonly options: FakeEngineOptions = {}) {}

  loadModel(path: string, options: LoadModelOptions = {}): Promise<EngineModel> {
    return Promise.resolve(new FakeModel(path, this.options, options));
  }
}

class FakeModel implements EngineModel {
  readonly info: ModelInfo;
  private readonly markerTokens: number[];
  private readonly scheduler: FakeScheduler;

  constructor(
    path: string,
    private readonly fake: FakeEngineOptions,
    options: LoadModelOptions,
  ) {
    this.info = {
      path,
      description: "fake 0B F32",
      architecture: "fake",
      trainContextSize: 8192,
      contextSize: options.contextSize ?? 512,
      sequences: options.sequences ?? 4,
      vocabSize: VOCAB,
      parameters: 0,
      sizeBytes: 0,
      chatTemplate: fake.chatTemplate,
      tokens: {
        bos: BOS,
        eos: EOS,
        eot: EOT,
        bosText: "<bos>",
        eosText: "<eos>",
        endOfGeneration: [EOS, EOT],
      },
      addBos: true,
      backend: "cpu",
      gpuLayers: 0,
      devices: ["fake"],
      threads: 1,
      lora: [...(options.lora ?? [])],
      batchInvariant: options.batchInvariant === true,
      embeddingSize: EMBEDDING_SIZE,
    };
    this.markerTokens = this.tokenize(MARKER, { parseSpecial: true });
    this.scheduler = new FakeScheduler(this.info.sequences, options.maxQueue ?? 256, fake.stepDelayMs ?? 0);
  }

  tokenize(text: string, options: { addSpecial?: boolean; parseSpecial?: boolean } = {}): number[] {
    const out: number[] = options.addSpecial === true ? [BOS] : [];
    let rest = text;
    while (rest.length > 0) {
      const special = options.parseSpecial === true ? SPECIALS.findIndex((s) => rest.startsWith(s)) : -1;
      if (special >= 0) {
        out.push(256 + special);
        rest = rest.slice(SPECIALS[special]!.length);
        continue;
      }
      const next =
        options.parseSpecial === true
          ? Math.min(...SPECIALS.map((s) => rest.indexOf(s)).filter((i) => i > 0), rest.length)
          : rest.length;
      out.push(...Buffer.from(rest.slice(0, next), "utf8"));
      rest = rest.slice(next);
    }
    return out;
  }

  detokenize(tokens: readonly number[], options: { special?: boolean } = {}): string {
    return Buffer.concat(tokens.map((t) => this.piece(t, options.special ?? false))).toString("utf8");
  }

  private piece(token: number, special: boolean): Buffer {
    if (token < 256) return Buffer.from([token]);
    return special ? Buffer.from(SPECIALS[token - 256]!, "utf8") : Buffer.alloc(0);
  }

  /** The fake model: logits after `prefix`. */
  logitsAfter(prefix: readonly number[]): Float32Array {
    const logits = new Float32Array(VOCAB);
    const random = mulberry32(hash(prefix, 7));
    for (let i = 0; i < VOCAB; i++) logits[i] = random() * 2 - 1;
    const at = this.fake.reply === undefined ? -1 : lastIndexOf(prefix, this.markerTokens);
    if (at >= 0) {
      const reply = Buffer.from(
        this.fake.reply!(this.detokenize(prefix.slice(0, at), { special: true })),
        "utf8",
      );
      // Progress counted in tokens (one byte each), so a half-written multi-byte letter counts right.
      const done = prefix.length - at - this.markerTokens.length;
      const target = done < reply.length ? reply[done]! : EOT;
      logits[target] = logits[target]! + REPLY_BOOST;
    }
    return logits;
  }

  generate(prompt: readonly number[], input: GenerateOptions = {}): GenerationStream {
    const options = this.checkGenerate(prompt, input);
    this.scheduler.admit();
    return this.start(prompt, options, false);
  }

  /** n generations of one prompt; choices after the first report the prompt as cached (a KV copy). */
  generateChoices(prompt: readonly number[], n: number, input: GenerateOptions = {}): GenerationStream[] {
    const options = this.checkGenerate(prompt, input);
    checkChoiceCount(n, this.info.sequences);
    this.scheduler.admit(n);
    return Array.from({ length: n }, (_, i) => this.start(prompt, choiceOptions(options, i), i > 0));
  }

  private start(prompt: readonly number[], options: GenerateOptions, copied: boolean): GenerationStream {
    const run = new FakeGeneration(this, prompt, options, copied);
    const queue = new AsyncQueue<GenerationChunk>(() => this.scheduler.cancel(run.job));
    run.queue = queue;
    this.scheduler.submit(run.job);
    return { result: run.result, [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator]() };
  }

  private checkGenerate(prompt: readonly number[], input: GenerateOptions): GenerateOptions {
    this.scheduler.checkOpen();
    const options = validateGenerateOptions(input);
    validateTokens(prompt, VOCAB, "prompt");
    if (options.grammar !== undefined)
      throw new AtlasError("UNSUPPORTED", "the fake engine does not implement grammars", {
        details: { field: "grammar" },
      });
    for (const token of Object.keys(options.logitBias ?? {}).map(Number)) {
      if (token >= VOCAB)
        throw new AtlasError("BAD_ARGUMENT", `logitBias names token ${token}, outside the vocabulary`, {
          details: { field: "logitBias" },
        });
    }
    if (prompt.length >= this.info.contextSize) {
      throw new AtlasError(
        "CONTEXT_OVERFLOW",
        `the prompt is ${prompt.length} tokens but the context holds ${this.info.contextSize}`,
        { details: { field: "prompt", limit: this.info.contextSize - 1, actual: prompt.length } },
      );
    }
    return options;
  }

  async score(
    context: readonly number[],
    continuations: readonly (readonly number[])[],
    input: ScoreOptions = {},
  ): Promise<ContinuationScore[]> {
    this.scheduler.checkOpen();
    const options = validateScoreOptions(input);
    const request = validateScoreRequest(context, continuations, VOCAB);
    const longest = Math.max(0, ...request.continuations.map((c) => c.length));
    if (request.context.length + longest > this.info.contextSize)
      throw new AtlasError("CONTEXT_OVERFLOW", "context + continuation exceed the context", {
        details: { field: "context", limit: this.info.contextSize, actual: request.context.length + longest },
      });
    if (options.signal?.aborted === true) throw new AtlasError("ABORTED", "the request was cancelled");
    this.scheduler.admit();
    await this.scheduler.runOnce(options.signal);
    return request.continuations.map((continuation) => {
      const prefix = [...request.context];
      const top = options.topLogprobs;
      const result: ContinuationScore = {
        logprob: 0,
        isGreedy: true,
        tokenLogprobs: [],
        ...(top === undefined ? {} : { topLogprobs: [] }),
      };
      for (const token of continuation) {
        const logits = this.logitsAfter(prefix);
        const lse = logSumExp(logits);
        const lp = logits[token]! - lse;
        if (top !== undefined) result.topLogprobs!.push(topLogprobs(logits, top, lse));
        result.tokenLogprobs.push(lp);
        result.logprob += lp;
        if (argmax(logits) !== token) result.isGreedy = false;
        prefix.push(token);
      }
      return result;
    });
  }

  async logits(tokens: readonly number[], input: ScoreOptions = {}): Promise<Float32Array[]> {
    this.scheduler.checkOpen();
    const options = validateScoreOptions(input);
    validateTokens(tokens, VOCAB, "tokens", { allowEmpty: true });
    if (tokens.length === 0) return [];
    if (options.signal?.aborted === true) throw new AtlasError("ABORTED", "the request was cancelled");
    this.scheduler.admit();
    await this.scheduler.runOnce(options.signal);
    return tokens.map((_, i) => this.logitsAfter(tokens.slice(0, i + 1)));
  }

  /** The mean over positions of a seeded "hidden state" that depends on the token prefix (causal, like the real one). */
  async embed(tokens: readonly number[], input: EmbedOptions = {}): Promise<Float32Array> {
    this.scheduler.checkOpen();
    const options = validateEmbedOptions(input);
    validateTokens(tokens, VOCAB, "tokens");
    checkEmbedLength(tokens.length, this.info.contextSize);
    await Promise.resolve();
    this.scheduler.checkOpen();
    if (options.signal?.aborted === true) throw new AtlasError("ABORTED", "the request was cancelled");
    const sum = new Float64Array(EMBEDDING_SIZE);
    for (let i = 0; i < tokens.length; i++) {
      const random = mulberry32(hash(tokens.slice(0, i + 1), 7));
      for (let d = 0; d < EMBEDDING_SIZE; d++) sum[d]! += random() * 2 - 1;
    }
    return Float32Array.from(sum, (v) => v / tokens.length);
  }

  state(): EngineState {
    return {
      ...this.scheduler.state(),
      kvCells: this.info.contextSize * this.info.sequences,
      batchInvariant: this.info.batchInvariant,
    };
  }

  dispose(): Promise<void> {
    return this.scheduler.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

/** One generation on the fake model, advanced one token per scheduler step. */
class FakeGeneration {
  readonly job: FakeJob;
  readonly result: Promise<GenerationResult>;
  queue!: AsyncQueue<GenerationChunk>;
  private resolve!: (r: GenerationResult) => void;
  private readonly history: number[];
  private readonly generated: number[] = [];
  private readonly text: TokenTextStream;
  private readonly random: () => number;
  private output = "";
  private readonly started = performance.now();
  private firstAt = 0;

  constructor(
    private readonly model: FakeModel,
    private readonly prompt: readonly number[],
    private readonly options: GenerateOptions,
    /** A choice of generateChoices after the first: its prompt counts as cached (a KV copy). */
    private readonly copied = false,
  ) {
    this.history = [...prompt];
    this.text = new TokenTextStream(options.stop ?? []);
    this.random = mulberry32(options.seed ?? 1);
    this.result = new Promise((resolve) => (this.resolve = resolve));
    this.job = {
      signal: options.signal,
      step: () => this.step(),
      abort: () => this.finish("abort"),
      done: false,
      cancelled: false,
    };
  }

  /** Advances one token; returns true when finished. */
  private step(): void {
    const o = this.options;
    if (this.firstAt === 0) this.firstAt = performance.now();
    if (o.maxTokens === 0) return this.finish("length");
    const logits = this.model.logitsAfter(this.history);
    const raw = Float32Array.from(logits);
    for (const [token, bias] of Object.entries(o.logitBias ?? {})) logits[Number(token)]! += bias;
    const temperature = o.temperature ?? 0.8;
    if (temperature > 0 && o.typicalP !== undefined && o.typicalP < 1) keepTypical(logits, o.typicalP);
    const token = temperature <= 0 ? argmax(logits) : sample(logits, temperature, this.random);
    if (token === EOS || token === EOT) return this.finish("stop");
    this.generated.push(token);
    this.history.push(token);
    const piece = this.text.push(Buffer.from(token < 256 ? [token] : []));
    this.output += piece;
    const chunk: GenerationChunk = { text: piece, token };
    if (o.logprobs !== undefined) {
      const lse = logSumExp(raw);
      chunk.logprob = raw[token]! - lse;
      chunk.topLogprobs = topLogprobs(raw, o.logprobs, lse);
    }
    this.queue.push(chunk);
    if (this.text.hitStop) return this.finish("stop");
    if (
      (o.maxTokens !== undefined && this.generated.length >= o.maxTokens) ||
      this.history.length >= this.model.info.contextSize
    )
      return this.finish("length");
  }

  private finish(reason: "stop" | "length" | "abort"): void {
    if (this.job.done) return;
    this.job.done = true;
    const tail = this.text.end();
    if (tail !== "") {
      this.output += tail;
      this.queue.push({ text: tail, token: -1 });
    }
    this.queue.end();
    const end = performance.now();
    const firstAt = this.firstAt === 0 ? end : this.firstAt;
    this.resolve({
      text: this.output,
      tokens: [...this.generated],
      stats: {
        promptTokens: this.prompt.length,
        cachedPromptTokens: this.copied ? this.prompt.length : 0,
        generatedTokens: this.generated.length,
        timeToFirstTokenMs: firstAt - this.started,
        promptMs: firstAt - this.started,
        generationMs: end - firstAt,
        totalMs: end - this.started,
        promptTokensPerSecond: 0,
        tokensPerSecond: 0,
        finishReason: reason,
      },
    });
  }
}

/** Start of the last occurrence of `needle` in `haystack`, or -1. */
function lastIndexOf(haystack: readonly number[], needle: readonly number[]): number {
  for (let i = haystack.length - needle.length; i >= 0; i--) {
    let j = 0;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/**
 * Locally typical sampling as llama.cpp's `llama_sampler_typical` does it: rank tokens by how far their
 * surprise (−log p) is from the entropy, keep the closest ones until their mass exceeds `p` (at least
 * one), and set the rest to −∞.
 */
function keepTypical(logits: Float32Array, p: number): void {
  const lse = logSumExp(logits);
  const probs = Array.from(logits, (l) => Math.exp(l - lse));
  const entropy = probs.reduce((h, q) => (q > 0 ? h - q * Math.log(q) : h), 0);
  const order = probs
    .map((q, i) => ({ i, score: Math.abs(-Math.log(q) - entropy) }))
    .sort((a, b) => a.score - b.score);
  let mass = 0;
  let kept = order.length;
  for (let k = 0; k < order.length; k++) {
    mass += probs[order[k]!.i]!;
    if (mass > p) {
      kept = k + 1;
      break;
    }
  }
  for (const { i } of order.slice(kept)) logits[i] = Number.NEGATIVE_INFINITY;
}

function sample(logits: Float32Array, temperature: number, random: () => number): number {
  const scaled = Float32Array.from(logits, (l) => l / temperature);
  const lse = logSumExp(scaled);
  let r = random();
  for (let i = 0; i < scaled.length; i++) {
    r -= Math.exp(scaled[i]! - lse);
    if (r <= 0) return i;
  }
  return scaled.length - 1;
}
