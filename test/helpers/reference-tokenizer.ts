/**
 * A reference SentencePiece-BPE tokenizer over `{pieces, scores, types}`: slow and plain, to check the
 * vocabularies we convert and the ids llama.cpp produces. It follows sentencepiece's `bpe_model.cc` and
 * llama.cpp's `llm_tokenizer_spm` for a Gemma-style model (no dummy prefix, byte fallback):
 *
 * 1. special pieces are cut out first (USER_DEFINED always; CONTROL and UNKNOWN only with `parseSpecial`),
 *    trying longer piece texts first, as llama.cpp does;
 * 2. in each remaining fragment spaces become `▁`, the text is split into code points, and the adjacent
 *    pair whose concatenation is a NORMAL or USER_DEFINED piece with the highest score is merged, again
 *    and again (ties: the leftmost pair);
 * 3. symbols that are pieces map to their ids, the others to their UTF-8 bytes' `<0xHH>` pieces.
 *
 * To compare with llama.cpp, pass the token types of the GGUF, not of tokenizer.model: the converter turns
 * `special: true` added tokens (`<start_of_turn>`, `<end_of_turn>`) into CONTROL, and llama.cpp itself
 * forces end-of-generation pieces such as `<end_of_turn>` to CONTROL. With those types this reference
 * produced the same ids as llama.cpp (node-llama-cpp 3.22.1) on every corpus line and test string.
 */
import { PIECE_TYPE, type SentencePieceVocab } from "./sentencepiece-model-writer.js";
import { SPACE_SYMBOL } from "./bpe-trainer.js";

/** Options of {@link ReferenceTokenizer.encode}. */
export interface EncodeOptions {
  /** Prepend the BOS id. Default false. */
  addBos?: boolean;
  /** Also recognise CONTROL/UNKNOWN piece texts (e.g. `<bos>`) in the input. Default false. */
  parseSpecial?: boolean;
}

/** A piece of input: raw text still to tokenize, or an id already decided. */
type Fragment = { text: string } | { id: number };

/** What `decode` shows for the unknown piece (sentencepiece's default `unk_surface`). */
const UNKNOWN_SURFACE = " \u2047 ";

/**
 * The reference tokenizer.
 *
 * @example
 * const tok = new ReferenceTokenizer(checkpoint.vocab);
 * const ids = tok.encode("salam 3lik", { addBos: true });
 * tok.decode(ids); // "salam 3lik"
 */
export class ReferenceTokenizer {
  readonly #vocab: SentencePieceVocab;
  /** Text → id of pieces that BPE may produce (NORMAL and USER_DEFINED); first id wins. */
  readonly #mergeable = new Map<string, number>();
  /** `<0xHH>` byte pieces, indexed by byte value. */
  readonly #byteIds: (number | undefined)[] = [];
  /** Pieces cut out before BPE, longest text first. */
  readonly #specials: { text: string; id: number; always: boolean }[] = [];
  readonly #unkId: number | undefined;
  readonly #bosId: number | undefined;

  /**
   * @param vocab pieces, scores and types by id (e.g. `WrittenCheckpoint.vocab`).
   * @param options.bosId the BOS id; default the id of the CONTROL piece `<bos>`.
   */
  constructor(vocab: SentencePieceVocab, options: { bosId?: number } = {}) {
    this.#vocab = vocab;
    let unkId: number | undefined;
    let bosId: number | undefined;
    vocab.pieces.forEach((piece, id) => {
      const type = vocab.types[id];
      if ((type === PIECE_TYPE.NORMAL || type === PIECE_TYPE.USER_DEFINED) && !this.#mergeable.has(piece)) {
        this.#mergeable.set(piece, id);
      }
      const byte = /^<0x([0-9A-F]{2})>$/.exec(piece);
      if (type === PIECE_TYPE.BYTE && byte) this.#byteIds[parseInt(byte[1]!, 16)] ??= id;
      if (type === PIECE_TYPE.UNKNOWN) unkId ??= id;
      if (type === PIECE_TYPE.CONTROL && piece === "<bos>") bosId ??= id;
      const special =
        type === PIECE_TYPE.USER_DEFINED || type === PIECE_TYPE.CONTROL || type === PIECE_TYPE.UNKNOWN;
      if (special && piece !== "")
        this.#specials.push({ text: piece, id, always: type === PIECE_TYPE.USER_DEFINED });
    });
    this.#specials.sort((a, b) => b.text.length - a.text.length || a.id - b.id);
    this.#unkId = unkId;
    this.#bosId = options.bosId ?? bosId;
  }

  /** Tokenizes `text` into ids. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids: number[] = [];
    if (options.addBos === true) {
      if (this.#bosId === undefined) throw new Error("reference tokenizer: no <bos> piece in the vocabulary");
      ids.push(this.#bosId);
    }
    for (const fragment of this.#splitSpecials(text, options.parseSpecial === true)) {
      if ("id" in fragment) ids.push(fragment.id);
      else ids.push(...this.#encodeFragment(fragment.text));
    }
    return ids;
  }

  /** The pieces of `encode`'s ids (handy in test failure messages). */
  encodeToPieces(text: string, options: EncodeOptions = {}): string[] {
    return this.encode(text, options).map((id) => this.#vocab.pieces[id] ?? `[${id}]`);
  }

  /**
   * Turns ids back into text: `▁` → space, runs of byte pieces → their UTF-8 text (invalid bytes → U+FFFD),
   * CONTROL and UNUSED pieces → nothing, the unknown piece → " ⁇ ".
   */
  decode(ids: readonly number[]): string {
    let text = "";
    let bytes: number[] = [];
    const flushBytes = (): void => {
      if (bytes.length > 0) text += new TextDecoder().decode(new Uint8Array(bytes));
      bytes = [];
    };
    for (const id of ids) {
      const piece = this.#vocab.pieces[id];
      const type = this.#vocab.types[id];
      if (piece === undefined) throw new RangeError(`reference tokenizer: id ${id} is out of range`);
      if (type === PIECE_TYPE.BYTE) {
        bytes.push(parseInt(piece.slice(3, 5), 16));
        continue;
      }
      flushBytes();
      if (type === PIECE_TYPE.NORMAL || type === PIECE_TYPE.USER_DEFINED)
        text += piece.replaceAll(SPACE_SYMBOL, " ");
      else if (type === PIECE_TYPE.UNKNOWN) text += UNKNOWN_SURFACE;
    }
    flushBytes();
    return text;
  }

  /** The id of a NORMAL/USER_DEFINED piece, if there is one. */
  pieceToId(piece: string): number | undefined {
    return this.#mergeable.get(piece);
  }

  /** Cuts special-piece texts out of `text`, longest piece first over all fragments (llama.cpp's order). */
  #splitSpecials(text: string, parseSpecial: boolean): Fragment[] {
    let fragments: Fragment[] = text === "" ? [] : [{ text }];
    for (const special of this.#specials) {
      if (!special.always && !parseSpecial) continue;
      const next: Fragment[] = [];
      for (const fragment of fragments) {
        if ("id" in fragment) {
          next.push(fragment);
          continue;
        }
        const parts = fragment.text.split(special.text);
        parts.forEach((part, i) => {
          if (i > 0) next.push({ id: special.id });
          if (part !== "") next.push({ text: part });
        });
      }
      fragments = next;
    }
    return fragments;
  }

  /** BPE over one fragment without special pieces. */
  #encodeFragment(fragment: string): number[] {
    const symbols = Array.from(fragment.replaceAll(" ", SPACE_SYMBOL));
    // pairScore[i] = score of merging symbols[i] and symbols[i + 1], or undefined if that is no piece.
    const pairScore = (i: number): number | undefined => {
      const id = this.#mergeable.get(symbols[i]! + symbols[i + 1]!);
      return id === undefined ? undefined : this.#vocab.scores[id];
    };
    const scores: (number | undefined)[] = symbols.slice(0, -1).map((_, i) => pairScore(i));
    for (;;) {
      let best = -1;
      for (let i = 0; i < scores.length; i++) {
        const s = scores[i];
        // Strictly greater keeps the leftmost pair among equal scores.
        if (s !== undefined && (best < 0 || s > scores[best]!)) best = i;
      }
      if (best < 0) break;
      symbols.splice(best, 2, symbols[best]! + symbols[best + 1]!);
      scores.splice(best, 1);
      if (best > 0) scores[best - 1] = pairScore(best - 1);
      if (best < symbols.length - 1) scores[best] = pairScore(best);
    }

    const ids: number[] = [];
    for (const symbol of symbols) {
      const id = this.#mergeable.get(symbol);
      if (id !== undefined) {
        ids.push(id);
        continue;
      }
      for (const byte of new TextEncoder().encode(symbol)) {
        const byteId = this.#byteIds[byte] ?? this.#unkId;
        if (byteId === undefined)
          throw new Error(`reference tokenizer: no piece for byte 0x${byte.toString(16)}`);
        ids.push(byteId);
      }
    }
    return ids;
  }
}
