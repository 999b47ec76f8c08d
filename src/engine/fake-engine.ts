/**
 * A deterministic stand-in for llama.cpp, for unit tests of the layers above the engine (server, evaluator,
 * CLI). Tokens are UTF-8 bytes (0–255) plus four special tokens. After the Gemma marker
 * "<start_of_turn>model\n" the fake "model" spells out `reply(promptText)` byte by byte, then emits
 * `<end_of_turn>`; elsewhere its logits are seeded noise. Logits depend only on the token prefix, so
 * generate(), score() and logits() agree exactly, as they must for the real engine.
 */
import { AtlasError } from "../core/index.js";
import { AsyncQueue } from "./async-queue.js";
import { argmax, logSumExp } from "./log-softmax.js";
import { TokenTextStream } from "./token-text-stream.js";
import type {
  ContinuationScore,
  Engine,
  EngineModel,
  EngineState,
  GenerateOptions,
  GenerationChunk,
  GenerationResult,
  GenerationStream,
  LoadModelOptions,
  ModelInfo,
} from "./types.js";

const SPECIALS = ["<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>"] as const;
const BOS = 256;
const EOS = 257;
const EOT = 259;
const VOCAB = 256 + SPECIALS.length;
const MARKER = "<start_of_turn>model\n";
const REPLY_BOOST = 12;

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
  private disposed = false;

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
    };
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
    const text = this.detokenize(prefix, { special: true });
    const at = text.lastIndexOf(MARKER);
    if (at >= 0 && this.fake.reply !== undefined) {
      const reply = Buffer.from(this.fake.reply(text.slice(0, at)), "utf8");
      const done = Buffer.byteLength(text.slice(at + MARKER.length), "utf8");
      const target = done < reply.length ? reply[done]! : EOT;
      logits[target] = logits[target]! + REPLY_BOOST;
    }
    return logits;
  }

  generate(prompt: readonly number[], options: GenerateOptions = {}): GenerationStream {
    this.check(prompt);
    if (prompt.length >= this.info.contextSize) {
      throw new AtlasError(
        "CONTEXT_OVERFLOW",
        `the prompt is ${prompt.length} tokens but the context holds ${this.info.contextSize}`,
      );
    }
    const queue = new AsyncQueue<GenerationChunk>();
    const result = this.run(prompt, options, queue);
    result.catch(() => {});
    return { result, [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator]() };
  }

  private async run(
    prompt: readonly number[],
    options: GenerateOptions,
    queue: AsyncQueue<GenerationChunk>,
  ): Promise<GenerationResult> {
    const started = performance.now();
    const history = [...prompt];
    const generated: number[] = [];
    const stream = new TokenTextStream(options.stop ?? []);
    const random = mulberry32(options.seed ?? 1);
    let text = "";
    let reason: "stop" | "length" | "abort" = "length";
    let firstAt = started;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, this.fake.stepDelayMs ?? 0));
      if (options.signal?.aborted === true || this.disposed) {
        reason = "abort";
        break;
      }
      const logits = this.logitsAfter(history);
      for (const [token, bias] of Object.entries(options.logitBias ?? {})) logits[Number(token)]! += bias;
      const token =
        (options.temperature ?? 0.8) <= 0
          ? argmax(logits)
          : sample(logits, options.temperature ?? 0.8, random);
      if (generated.length === 0) firstAt = performance.now();
      if (token === EOS || token === EOT) {
        reason = "stop";
        break;
      }
      generated.push(token);
      history.push(token);
      const piece = stream.push(this.piece(token, false));
      text += piece;
      queue.push({ text: piece, token });
      if (stream.hitStop) {
        reason = "stop";
        break;
      }
      if (
        (options.maxTokens !== undefined && generated.length >= options.maxTokens) ||
        history.length >= this.info.contextSize
      )
        break;
    }
    const tail = stream.end();
    if (tail !== "") {
      text += tail;
      queue.push({ text: tail, token: -1 });
    }
    queue.end();
    const end = performance.now();
    return {
      text,
      tokens: generated,
      stats: {
        promptTokens: prompt.length,
        cachedPromptTokens: 0,
        generatedTokens: generated.length,
        timeToFirstTokenMs: firstAt - started,
        promptMs: firstAt - started,
        generationMs: end - firstAt,
        totalMs: end - started,
        promptTokensPerSecond: 0,
        tokensPerSecond: 0,
        finishReason: reason,
      },
    };
  }

  score(
    context: readonly number[],
    continuations: readonly (readonly number[])[],
  ): Promise<ContinuationScore[]> {
    this.check(context);
    if (context.length === 0)
      return Promise.reject(new AtlasError("BAD_ARGUMENT", "scoring needs a non-empty context"));
    return Promise.resolve(
      continuations.map((continuation) => {
        const prefix = [...context];
        const result: ContinuationScore = { logprob: 0, isGreedy: true, tokenLogprobs: [] };
        for (const token of continuation) {
          const logits = this.logitsAfter(prefix);
          const lp = logits[token]! - logSumExp(logits);
          result.tokenLogprobs.push(lp);
          result.logprob += lp;
          if (argmax(logits) !== token) result.isGreedy = false;
          prefix.push(token);
        }
        return result;
      }),
    );
  }

  logits(tokens: readonly number[]): Promise<Float32Array[]> {
    this.check(tokens);
    return Promise.resolve(tokens.map((_, i) => this.logitsAfter(tokens.slice(0, i + 1))));
  }

  private check(tokens: readonly number[]): void {
    if (this.disposed) throw new AtlasError("BAD_ARGUMENT", "the model was disposed");
    for (const t of tokens)
      if (!Number.isInteger(t) || t < 0 || t >= VOCAB)
        throw new AtlasError("BAD_ARGUMENT", `token id ${t} is outside the vocabulary`);
  }

  state(): EngineState {
    return {
      sequences: this.info.sequences,
      active: 0,
      queued: 0,
      maxQueue: Number.POSITIVE_INFINITY,
      freeSlots: this.info.sequences,
      kvCellsUsed: 0,
      kvCells: this.info.contextSize * this.info.sequences,
      batchInvariant: false,
    };
  }

  dispose(): Promise<void> {
    this.disposed = true;
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
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
