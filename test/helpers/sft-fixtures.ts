/**
 * Generated chat datasets for `atlas data build` tests (conversations of 1–3 turns from the Darija
 * corpus, some with a system turn, some too long, some broken), and an oracle that finds the assistant
 * replies in a tokenized sample independently of the builder: it spells the tokens back with the GGUF's
 * own vocabulary and looks for `<start_of_turn>model\n … <end_of_turn>` in the text.
 */
import { readGguf, ggufArray } from "../../src/convert/index.js";
import type { ChatMessage } from "../../src/core/index.js";
import { CORPUS_LINES } from "./corpus.js";
import { Rng } from "./rng.js";

/** A dataset row in the mixture's shape. */
// A type alias, not an interface: the parquet writer takes rows as plain records.
export type MessagesRow = {
  messages: { role: string; content: string }[];
  source: string;
};

const SOURCES = ["doda", "madar", "alpaca-darija", "wiki-qa"];

/**
 * `count` rows; every `longEvery`-th is far longer than 384 tokens; row 7 has no assistant turn, row 11
 * does not alternate, row 13 has an unknown role (each counted as dropped with its reason).
 */
export function conversationRows(count: number, seed = 1, longEvery = 10): MessagesRow[] {
  const rng = new Rng(seed);
  const line = (): string => CORPUS_LINES[rng.int(CORPUS_LINES.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const source = SOURCES[i % SOURCES.length]!;
    if (i === 7) return { source, messages: [{ role: "user", content: line() }] };
    if (i === 11)
      return {
        source,
        messages: [
          { role: "user", content: line() },
          { role: "user", content: line() },
          { role: "assistant", content: line() },
        ],
      };
    if (i === 13)
      return {
        source,
        messages: [
          { role: "tool", content: line() },
          { role: "assistant", content: line() },
        ],
      };
    const messages: MessagesRow["messages"] = [];
    if (i % 4 === 1) messages.push({ role: "system", content: "جاوب بالدارجة." });
    const turns = 1 + (i % 3);
    for (let t = 0; t < turns; t++) {
      messages.push({ role: "user", content: line() });
      const reply =
        i % longEvery === longEvery - 1 ? Array.from({ length: 80 }, line).join(" ") : `${line()} ${line()}`;
      messages.push({ role: "assistant", content: reply });
    }
    return { source, messages };
  });
}

/** Alpaca-style rows. */
export function alpacaRows(count: number, seed = 2): Record<string, string>[] {
  const rng = new Rng(seed);
  const line = (): string => CORPUS_LINES[rng.int(CORPUS_LINES.length)]!;
  return Array.from({ length: count }, (_, i) => ({
    instruction: line(),
    input: i % 2 === 0 ? line() : "",
    output: line(),
  }));
}

/** Rows as JSON lines. */
export function jsonl(rows: readonly unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
}

/** Spells tokens back with a GGUF's vocabulary (SentencePiece: ▁ is a space, <0xNN> one byte). */
export class VocabSpeller {
  private constructor(
    private readonly tokens: readonly string[],
    private readonly types: readonly number[],
  ) {}

  static async open(gguf: string): Promise<VocabSpeller> {
    const file = await readGguf(gguf);
    return new VocabSpeller(
      ggufArray(file, "tokenizer.ggml.tokens") as string[],
      ggufArray(file, "tokenizer.ggml.token_type") as number[],
    );
  }

  bytes(id: number): Buffer {
    const token = this.tokens[id]!;
    if (this.types[id] === 6) return Buffer.from([parseInt(token.slice(3, 5), 16)]);
    return Buffer.from(token.replaceAll("\u2581", " "), "utf8");
  }

  text(ids: ArrayLike<number>): string {
    return Buffer.concat(Array.from(ids, (id) => this.bytes(id))).toString("utf8");
  }

  /**
   * For each token, whether it overlaps an assistant reply: from after `<start_of_turn>model\n` up to and
   * including the next `<end_of_turn>`.
   */
  assistantTokens(ids: ArrayLike<number>): boolean[] {
    const pieces = Array.from(ids, (id) => this.bytes(id));
    const text = Buffer.concat(pieces);
    const header = Buffer.from("<start_of_turn>model\n");
    const end = Buffer.from("<end_of_turn>");
    const spans: [number, number][] = [];
    for (let at = text.indexOf(header); at !== -1; at = text.indexOf(header, at + 1)) {
      const start = at + header.length;
      const close = text.indexOf(end, start);
      spans.push([start, close === -1 ? text.length : close + end.length]);
    }
    let position = 0;
    return pieces.map((piece) => {
      const [s, e] = [position, position + piece.length];
      position = e;
      return spans.some(([a, b]) => s < b && e > a);
    });
  }
}

/** The conversation of a messages row (for tests that render it themselves). */
export function messagesOf(row: MessagesRow): ChatMessage[] {
  return row.messages as ChatMessage[];
}
