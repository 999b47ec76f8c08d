/**
 * A reusable `llama_batch` whose arrays we fill through zero-copy typed views (no per-token FFI calls).
 * Each token belongs to exactly one sequence.
 */
import koffi from "koffi";
import type { LlamaApi, BatchValue, NativePointer } from "./llama-api.js";

export class NativeBatch {
  readonly capacity: number;
  private readonly value: BatchValue;
  private readonly tokens: Int32Array;
  private readonly positions: Int32Array;
  private readonly seqCounts: Int32Array;
  private readonly seqIds: Int32Array[];
  private readonly outputs: Int8Array;
  private count = 0;
  private freed = false;

  constructor(
    private readonly api: LlamaApi,
    capacity: number,
  ) {
    this.capacity = capacity;
    this.value = api.batch_init(capacity, 0, 1);
    this.tokens = new Int32Array(koffi.view(this.value.token, capacity * 4));
    this.positions = new Int32Array(koffi.view(this.value.pos, capacity * 4));
    this.seqCounts = new Int32Array(koffi.view(this.value.n_seq_id, capacity * 4));
    this.outputs = new Int8Array(koffi.view(this.value.logits, capacity));
    // seq_id is an array of pointers (one int32 array per token); read the pointer values once.
    const pointers = new BigUint64Array(koffi.view(this.value.seq_id, capacity * 8));
    this.seqIds = Array.from(pointers, (p) => new Int32Array(koffi.view(p, 4)));
  }

  get size(): number {
    return this.count;
  }

  get free(): number {
    return this.capacity - this.count;
  }

  clear(): void {
    this.count = 0;
  }

  /** The rows now in the batch (diagnostics and tests): token, position, sequence, whether it is an output. */
  rows(): { token: number; position: number; sequence: number; output: boolean }[] {
    return Array.from({ length: this.count }, (_, i) => ({
      token: this.tokens[i]!,
      position: this.positions[i]!,
      sequence: this.seqIds[i]![0]!,
      output: this.outputs[i] !== 0,
    }));
  }

  /** Appends a token; returns its index in the batch (the index to read its logits with). */
  add(token: number, position: number, sequence: number, wantLogits: boolean): number {
    const i = this.count++;
    this.tokens[i] = token;
    this.positions[i] = position;
    this.seqCounts[i] = 1;
    this.seqIds[i]![0] = sequence;
    this.outputs[i] = wantLogits ? 1 : 0;
    return i;
  }

  /**
   * Runs llama_decode of this batch on `ctx` on a worker thread (the event loop stays free); resolves to
   * llama_decode's return code, or -100 when the call itself failed.
   */
  decodeAsync(ctx: NativePointer): Promise<number> {
    return new Promise<number>((resolve) => {
      this.api.decode.async(ctx, this.toNative(), (error, result) =>
        resolve(error === null || error === undefined ? result : -100),
      );
    });
  }

  /** The struct to pass to llama_decode. */
  toNative(): BatchValue {
    this.value.n_tokens = this.count;
    return this.value;
  }

  dispose(): void {
    if (this.freed) return;
    this.freed = true;
    this.api.batch_free(this.value);
  }
}
