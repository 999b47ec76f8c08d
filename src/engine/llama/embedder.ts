/**
 * Embeddings: the mean of the model's final hidden states (after its output norm) over an input's tokens.
 *
 * They run on a second llama.cpp context of the same weights, created on the first request, with
 * llama.cpp's embeddings output on and no pooling: each token's hidden state is read back and summed here,
 * chunk by chunk, so an input may be as long as the context. Every decode of that context runs between two
 * steps of the model's scheduler (`Scheduler.exclusive`) on the same threadpool, so embeddings and
 * generation share the cores instead of oversubscribing them. Inputs run one at a time, always in the
 * same chunks, in a context of their own: an embedding depends only on its tokens, never on other requests.
 */
import { AtlasError } from "../../core/index.js";
import { listenForAbort } from "../abort-listener.js";
import type { LlamaApi, NativePointer } from "../../native/llama-api.js";
import { NativeBatch } from "../../native/native-batch.js";
import { nativeFloats } from "../../native/views.js";
import { unloaded } from "./scheduler.js";

/**
 * Tokens per decode of the embedding context. Every token is an output there and llama.cpp computes
 * logits for outputs too, so this bounds that context's output buffer (chunk × vocabulary floats).
 */
export const EMBED_CHUNK = 64;

/** What the embedder needs from the loaded model. */
export interface EmbedderContext {
  api: LlamaApi;
  /** Creates the embedding context (n_batch = n_ubatch = EMBED_CHUNK, embeddings on, no pooling). */
  create(): NativePointer;
  /** Runs a decode of the embedding context between two scheduler steps. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  embeddingSize: number;
  /** Inputs that may wait behind the one running; one more is refused with BUSY. */
  maxQueue: number;
}

export class Embedder {
  private ctx: NativePointer | undefined;
  private batch: NativeBatch | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  private inFlight = 0;

  constructor(private readonly c: EmbedderContext) {}

  /** The mean hidden state over `tokens` (validated by the caller: non-empty, in the vocabulary, fits the context). */
  embed(tokens: readonly number[], signal: AbortSignal | undefined): Promise<Float32Array> {
    if (this.inFlight > this.c.maxQueue) {
      const queued = this.inFlight - 1;
      return Promise.reject(
        new AtlasError("BUSY", `the model is busy: ${queued} embedding requests are already waiting`, {
          hint: "retry in a moment, or raise the queue limit (maxQueue / --max-queue)",
          details: { queued, limit: this.c.maxQueue, retryAfterMs: 1000 },
        }),
      );
    }
    this.inFlight++;
    const run = this.tail.then(() => this.run(tokens, signal));
    this.tail = run.catch(() => undefined).finally(() => this.inFlight--);
    if (signal === undefined) return run;
    // A waiting request that is cancelled settles at once (its turn then finds the signal aborted).
    return new Promise<Float32Array>((resolve, reject) => {
      const unlisten = listenForAbort(signal, () =>
        reject(new AtlasError("ABORTED", "the request was cancelled")),
      );
      run.then(resolve, reject).finally(unlisten);
    });
  }

  private async run(tokens: readonly number[], signal: AbortSignal | undefined): Promise<Float32Array> {
    const { api, embeddingSize } = this.c;
    const check = (): void => {
      if (this.closed) throw unloaded();
      if (signal?.aborted === true) throw new AtlasError("ABORTED", "the request was cancelled");
    };
    check();
    this.ctx ??= this.c.create();
    this.batch ??= new NativeBatch(api, EMBED_CHUNK);
    const ctx = this.ctx;
    const batch = this.batch;
    api.memory_clear(api.get_memory(ctx), true);
    const sum = new Float64Array(embeddingSize);
    for (let start = 0; start < tokens.length; start += EMBED_CHUNK) {
      check();
      const end = Math.min(tokens.length, start + EMBED_CHUNK);
      await this.c.exclusive(async () => {
        batch.clear();
        for (let p = start; p < end; p++) batch.add(tokens[p]!, p, 0, true);
        const rc = await batch.decodeAsync(ctx);
        if (rc !== 0)
          throw new AtlasError(
            "NATIVE",
            `llama.cpp could not evaluate the input for its embedding (llama_decode returned ${rc})`,
          );
        for (let i = 0; i < end - start; i++) {
          const pointer = api.get_embeddings_ith(ctx, i);
          if (pointer === null) throw new AtlasError("NATIVE", "llama.cpp returned no hidden state");
          const row = nativeFloats(pointer, embeddingSize);
          for (let d = 0; d < embeddingSize; d++) sum[d]! += row[d]!;
        }
      });
    }
    return Float32Array.from(sum, (v) => v / tokens.length);
  }

  /** Refuses new inputs, waits for the one running, frees the context. */
  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
    if (this.ctx !== undefined) this.c.api.free(this.ctx);
    this.batch?.dispose();
    this.ctx = undefined;
    this.batch = undefined;
  }
}
