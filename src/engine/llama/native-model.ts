/**
 * A llama.cpp model loaded through the C API: loading, metadata, tokenizer. Tokenizer calls only read the
 * vocabulary, so they are safe while a decode runs on a worker thread.
 */
import { AtlasError } from "../../core/index.js";
import type { LoadedLlama } from "../../native/load-llama.js";
import { loadModelFile } from "../../native/load-model-file.js";
import type { NativePointer } from "../../native/llama-api.js";

const META_BUFFER_BYTES = 1 << 20; // chat templates can be long; 1 MiB is far more than any real one

/** Model-level facts read once after loading. */
export interface NativeModelMeta {
  description: string;
  architecture: string;
  trainContextSize: number;
  vocabSize: number;
  parameters: number;
  sizeBytes: number;
  chatTemplate: string | undefined;
  bos: number | undefined;
  eos: number | undefined;
  eot: number | undefined;
  addBos: boolean;
  layers: number;
  /** Sliding-window size of the SWA layers (0 = none). */
  slidingWindow: number;
  /** Width of the hidden states (an embedding's length). */
  embeddingSize: number;
}

/** How to load a model. */
export interface NativeLoadOptions {
  /** Layers to offload to the GPU. */
  gpuLayers: number;
  /** Lock the weights in RAM (mmap + mlock). */
  mlock: boolean;
  /** Let llama.cpp repack weights for faster CPU kernels (its "extra buffer types"). */
  repack: boolean;
}

const LOAD_MODE_MMAP_MLOCK = 3;

/** Loads `path`; runs on a worker thread so the event loop stays free. */
export async function loadNativeModel(
  llama: LoadedLlama,
  path: string,
  options: NativeLoadOptions,
): Promise<NativeModel> {
  const handle = await loadModelFile(
    llama,
    path,
    (params) => {
      params.n_gpu_layers = options.gpuLayers;
      params.use_extra_bufts = options.repack;
      if (options.mlock) params.load_mode = LOAD_MODE_MMAP_MLOCK;
    },
    "load the model",
  );
  return new NativeModel(llama, handle);
}

/** A loaded model handle. Call {@link NativeModel.free} exactly once. */
export class NativeModel {
  readonly vocab: NativePointer;
  readonly meta: NativeModelMeta;
  private readonly pieceCache = new Map<number, Uint8Array>();
  private freed = false;

  constructor(
    readonly llama: LoadedLlama,
    readonly handle: NativePointer,
  ) {
    // (handle is non-null: loadNativeModel checked it)
    const api = llama.api;
    this.vocab = api.model_get_vocab(handle);
    const optionalToken = (id: number): number | undefined => (id < 0 ? undefined : id);
    this.meta = {
      description: this.readString((buf, size) => api.model_desc(handle, buf, size)) ?? "",
      architecture: this.metaString("general.architecture") ?? "unknown",
      trainContextSize: api.model_n_ctx_train(handle),
      vocabSize: api.vocab_n_tokens(this.vocab),
      parameters: Number(api.model_n_params(handle)),
      sizeBytes: Number(api.model_size(handle)),
      chatTemplate: api.model_chat_template(handle, null) ?? undefined,
      bos: optionalToken(api.vocab_bos(this.vocab)),
      eos: optionalToken(api.vocab_eos(this.vocab)),
      eot: optionalToken(api.vocab_eot(this.vocab)),
      addBos: api.vocab_get_add_bos(this.vocab),
      layers: api.model_n_layer(handle),
      slidingWindow: api.model_n_swa(handle),
      embeddingSize: api.model_n_embd(handle),
    };
  }

  /** A GGUF metadata value as a string, or undefined when the key is absent. */
  metaString(key: string): string | undefined {
    return this.readString((buf, size) => this.llama.api.model_meta_val_str(this.handle, key, buf, size));
  }

  private readString(read: (buf: Buffer, size: number) => number): string | undefined {
    let buf = Buffer.alloc(256);
    let n = read(buf, buf.length);
    if (n < 0) return undefined;
    if (n >= buf.length) {
      buf = Buffer.alloc(Math.min(n + 1, META_BUFFER_BYTES));
      n = read(buf, buf.length);
    }
    return buf.subarray(0, Math.min(n, buf.length - 1)).toString("utf8");
  }

  /** Text → token ids (llama.cpp's tokenizer). */
  tokenize(text: string, addSpecial: boolean, parseSpecial: boolean): number[] {
    const bytes = Buffer.from(text, "utf8");
    let out = new Int32Array(bytes.length + 8);
    let n = this.llama.api.tokenize(
      this.vocab,
      bytes,
      bytes.length,
      out,
      out.length,
      addSpecial,
      parseSpecial,
    );
    if (n < 0) {
      out = new Int32Array(-n);
      n = this.llama.api.tokenize(this.vocab, bytes, bytes.length, out, out.length, addSpecial, parseSpecial);
    }
    if (n < 0) throw new AtlasError("NATIVE", `tokenization failed (${n})`);
    return Array.from(out.subarray(0, n));
  }

  /** The UTF-8 bytes of one token (special tokens rendered when `special`). */
  piece(token: number, special: boolean): Uint8Array {
    const key = special ? -token - 1 : token;
    const cached = this.pieceCache.get(key);
    if (cached !== undefined) return cached;
    let buf = Buffer.alloc(64);
    let n = this.llama.api.token_to_piece(this.vocab, token, buf, buf.length, 0, special);
    if (n < 0) {
      buf = Buffer.alloc(-n);
      n = this.llama.api.token_to_piece(this.vocab, token, buf, buf.length, 0, special);
    }
    const bytes = new Uint8Array(buf.subarray(0, Math.max(0, n)));
    this.pieceCache.set(key, bytes);
    return bytes;
  }

  /** Token ids → text. */
  detokenize(tokens: readonly number[], special: boolean): string {
    const parts = tokens.map((t) => this.piece(t, special));
    return Buffer.concat(parts).toString("utf8");
  }

  isEndOfGeneration(token: number): boolean {
    return this.llama.api.vocab_is_eog(this.vocab, token);
  }

  /** The vocabulary text of a token (e.g. "<end_of_turn>"). */
  tokenText(token: number): string {
    return this.llama.api.vocab_get_text(this.vocab, token);
  }

  /** Every end-of-generation token id. Scans the vocabulary once (EOG tokens are few but may be anywhere). */
  endOfGenerationTokens(): number[] {
    const result: number[] = [];
    for (let id = 0; id < this.meta.vocabSize; id++) if (this.isEndOfGeneration(id)) result.push(id);
    return result;
  }

  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.llama.api.model_free(this.handle);
  }
}
