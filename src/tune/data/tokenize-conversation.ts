/**
 * One conversation → token ids and a training mask, with the model's own chat template and llama.cpp's
 * tokenizer. The whole conversation is rendered and tokenized once (the ids are exactly what the model
 * sees at inference), then each token is mapped back to the bytes it covers: a token is trained when it
 * overlaps an assistant reply — the reply's text up to and including its end-of-turn token. Everything
 * else (BOS, the user turns, the `<start_of_turn>model\n` header, what the template writes after the
 * end-of-turn token) is masked.
 *
 * Where a reply starts is found by rendering the conversation up to the reply with the generation prompt
 * and checking it is a prefix of the whole: the template's own idea of "the assistant's turn starts
 * here", for any template that renders turns left to right.
 */
import { isAtlasError, type ChatMessage } from "../../core/index.js";
import { prepareMessages, renderChatTemplate } from "../../templates/index.js";
import type { VocabTokenizer } from "../tokenizer/vocab-tokenizer.js";

/** A tokenized conversation: ids and, per token, 1 when it is trained (label = id) else 0. */
export interface TokenizedSample {
  ids: Int32Array;
  trained: Uint8Array;
}

/** The sample, or the reason it was skipped (a stats key). */
export type TokenizeOutcome = { sample: TokenizedSample } | { skip: string };

/** Byte ranges `[start, end)` of the rendered text that are trained. */
type Span = readonly [number, number];

/** Tokenizes conversations for training with one model's template and vocabulary. */
export class ConversationTokenizer {
  private readonly pieces: Int32Array;

  constructor(
    private readonly tokenizer: VocabTokenizer,
    private readonly template: string,
  ) {
    this.pieces = tokenizer.pieceLengths();
  }

  private render(messages: readonly ChatMessage[], addGenerationPrompt: boolean): string {
    const { bosText, eosText } = this.tokenizer.specials;
    return renderChatTemplate(this.template, messages, {
      bosToken: bosText,
      eosToken: eosText,
      addGenerationPrompt,
    });
  }

  /** The rendered text and the byte spans of its assistant replies, or a skip reason. */
  private renderWithSpans(input: readonly ChatMessage[]): { text: string; spans: Span[] } | { skip: string } {
    let messages: ChatMessage[];
    try {
      messages = prepareMessages(this.template, input);
    } catch (error) {
      return {
        skip: isAtlasError(error, "TEMPLATE") ? "template refused the conversation" : "invalid conversation",
      };
    }
    if (!messages.some((m) => m.role === "assistant")) return { skip: "no assistant turn" };
    let text: string;
    const charSpans: Array<[number, number]> = [];
    try {
      text = this.render(messages, false);
      for (let k = 0; k < messages.length; k++) {
        if (messages[k]!.role !== "assistant") continue;
        const before = this.render(messages.slice(0, k), true);
        const upto = this.render(messages.slice(0, k + 1), false);
        if (!upto.startsWith(before) || !text.startsWith(upto))
          return { skip: "template does not render turns left to right" };
        charSpans.push([before.length, upto.length]);
      }
    } catch (error) {
      if (isAtlasError(error, "TEMPLATE")) return { skip: "template refused the conversation" };
      // An empty prefix (a reply before any user turn) is not a conversation the contract accepts.
      if (isAtlasError(error, "BAD_ARGUMENT")) return { skip: "invalid conversation" };
      throw error;
    }
    const eot = this.tokenizer.specials.eotText;
    const spans = charSpans.map(([start, end]): Span => {
      // Train up to and including the reply's end-of-turn token, not the newline a template puts after it.
      const at = eot === "" ? -1 : text.lastIndexOf(eot, end - eot.length);
      const stop = at >= start ? at + eot.length : end;
      return [Buffer.byteLength(text.slice(0, start)), Buffer.byteLength(text.slice(0, stop))];
    });
    return { text, spans };
  }

  /** Tokenizes `messages` (roles system/user/assistant; a system turn is folded as the template needs). */
  tokenize(messages: readonly ChatMessage[]): TokenizeOutcome {
    const rendered = this.renderWithSpans(messages);
    if ("skip" in rendered) return rendered;
    const { text, spans } = rendered;
    const raw = this.tokenizer.tokenize(text);
    const { bos, addBos } = this.tokenizer.specials;
    const prepend = addBos && bos !== undefined && raw[0] !== bos ? 1 : 0;
    const ids = new Int32Array(raw.length + prepend);
    if (prepend === 1) ids[0] = bos!;
    ids.set(raw, prepend);
    const trained = new Uint8Array(ids.length);
    let position = 0;
    let s = 0;
    for (let i = 0; i < raw.length; i++) {
      const start = position;
      const end = start + this.pieces[raw[i]!]!;
      position = end;
      // Spans are sorted: drop those that end before this token starts; it overlaps the next one or none.
      while (s < spans.length && spans[s]![1] <= start) s++;
      const span = spans[s];
      if (span !== undefined && (end > span[0] || (end === start && start >= span[0])))
        trained[i + prepend] = 1;
    }
    if (position !== Buffer.byteLength(text)) return { skip: "tokens do not spell the text back" };
    return { sample: { ids, trained } };
  }
}
