/**
 * llama.cpp's own tokenizer without the weights: a GGUF loaded with `vocab_only` (llama.cpp reads the
 * metadata and vocabulary, never a tensor), so tokenizing a dataset needs neither the model's gigabytes
 * nor a context. The ids are exactly those `atlas run` feeds the model.
 */
import { AtlasError } from "../../core/index.js";
import type { NativePointer } from "../../native/llama-api.js";
import { loadLlama, loadedLlama, type LoadedLlama } from "../../native/load-llama.js";
import { loadModelFile } from "../../native/load-model-file.js";

/** Special tokens read from the vocabulary (never hard-coded). */
export interface VocabSpecials {
  bos: number | undefined;
  eos: number | undefined;
  eot: number | undefined;
  /** Text of BOS/EOS as the chat template prints them ("<bos>"). */
  bosText: string;
  eosText: string;
  /** Text of the end-of-turn token ("<end_of_turn>"), else the EOS text. */
  eotText: string;
  addBos: boolean;
}

/** A vocabulary-only llama.cpp model. Call {@link VocabTokenizer.close} once done. */
export class VocabTokenizer {
  readonly vocabSize: number;
  readonly specials: VocabSpecials;
  /** `tokenizer.chat_template` of the file, when it has one. */
  readonly chatTemplate: string | undefined;
  private pieceBytes: Int32Array | undefined;
  private out = new Int32Array(4096);
  private closed = false;

  private constructor(
    private readonly llama: LoadedLlama,
    private readonly model: NativePointer,
    private readonly vocab: NativePointer,
  ) {
    const api = llama.api;
    this.vocabSize = api.vocab_n_tokens(vocab);
    const id = (raw: number): number | undefined => (raw < 0 ? undefined : raw);
    const bos = id(api.vocab_bos(vocab));
    const eos = id(api.vocab_eos(vocab));
    const eot = id(api.vocab_eot(vocab));
    const text = (token: number | undefined): string =>
      token === undefined ? "" : api.vocab_get_text(vocab, token);
    this.specials = {
      bos,
      eos,
      eot,
      bosText: text(bos),
      eosText: text(eos),
      eotText: text(eot ?? eos),
      addBos: api.vocab_get_add_bos(vocab),
    };
    this.chatTemplate = api.model_chat_template(model, null) ?? undefined;
  }

  /**
   * Loads the vocabulary of the GGUF at `path` (tensors are skipped, so a 5 GB model opens in a blink).
   * @throws AtlasError INVALID_MODEL when llama.cpp cannot read it
   */
  static async open(path: string): Promise<VocabTokenizer> {
    const llama = loadedLlama() ?? loadLlama("cpu");
    const handle = await loadModelFile(
      llama,
      path,
      (params) => {
        params.vocab_only = true;
        params.n_gpu_layers = 0;
      },
      "read the vocabulary",
    );
    return new VocabTokenizer(llama, handle, llama.api.model_get_vocab(handle));
  }

  /**
   * Token ids of `text`: special-token text ("<start_of_turn>") becomes its token, nothing is added (a
   * chat template writes its own BOS). The returned array is reused by the next call: copy what you keep.
   */
  tokenize(text: string): Int32Array {
    this.checkOpen();
    const bytes = Buffer.from(text, "utf8");
    if (this.out.length < bytes.length + 8) this.out = new Int32Array(bytes.length + 8);
    const api = this.llama.api;
    let n = api.tokenize(this.vocab, bytes, bytes.length, this.out, this.out.length, false, true);
    if (n < 0) {
      this.out = new Int32Array(-n);
      n = api.tokenize(this.vocab, bytes, bytes.length, this.out, this.out.length, false, true);
    }
    if (n < 0)
      throw new AtlasError("NATIVE", `llama.cpp could not tokenize a ${bytes.length}-byte text (${n})`);
    return this.out.subarray(0, n);
  }

  /**
   * Bytes each token stands for in the text it came from (special tokens as their text), indexed by id.
   * Built once (one call per vocabulary entry); with it a tokenization maps back to byte offsets.
   */
  pieceLengths(): Int32Array {
    this.checkOpen();
    if (this.pieceBytes !== undefined) return this.pieceBytes;
    const api = this.llama.api;
    const lengths = new Int32Array(this.vocabSize);
    let buffer = Buffer.alloc(256);
    for (let id = 0; id < this.vocabSize; id++) {
      let n = api.token_to_piece(this.vocab, id, buffer, buffer.length, 0, true);
      if (n < 0) {
        buffer = Buffer.alloc(-n);
        n = api.token_to_piece(this.vocab, id, buffer, buffer.length, 0, true);
      }
      lengths[id] = Math.max(0, n);
    }
    this.pieceBytes = lengths;
    return lengths;
  }

  /** The vocabulary text of a token (e.g. "<end_of_turn>"). */
  tokenText(id: number): string {
    this.checkOpen();
    return this.llama.api.vocab_get_text(this.vocab, id);
  }

  /** Frees the native model; later calls throw. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.llama.api.model_free(this.model);
  }

  private checkOpen(): void {
    if (this.closed) throw new AtlasError("UNLOADED", "the tokenizer was closed");
  }
}
