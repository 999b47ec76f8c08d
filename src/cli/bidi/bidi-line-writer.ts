/**
 * Streamed model output → terminal, a line at a time. Reordering needs the whole line (the last word
 * of an Arabic sentence is drawn leftmost), so when enabled, text is held until its "\n" arrives.
 */
import { visualLine } from "./visual-line.js";

/** Where the writer writes: a stream, or anything with the same `write`. */
export interface TextSink {
  write(chunk: string): unknown;
}

function endsWithHighSurrogate(text: string): boolean {
  const last = text.charCodeAt(text.length - 1);
  return last >= 0xd800 && last <= 0xdbff;
}

/**
 * Writes streamed text to `out`. Enabled: buffers until each "\n" and writes the visual form of every
 * complete line; `flush()` writes the rest. Disabled: passes the text through unchanged, except that
 * a chunk ending in the first half of a surrogate pair keeps that half until the next chunk (a stream
 * would encode the lone half as U+FFFD). Call `flush()` at the end of the output in both modes.
 */
export class BidiLineWriter {
  private pending = "";

  constructor(
    private readonly out: TextSink,
    private readonly enabled: boolean,
  ) {}

  /** Writes a chunk; lines may span chunks and chunks may split a surrogate pair. */
  write(text: string): void {
    if (text === "") return;
    const buffered = this.pending + text;
    if (!this.enabled) {
      const split = endsWithHighSurrogate(buffered) ? buffered.length - 1 : buffered.length;
      this.pending = buffered.slice(split);
      if (split > 0) this.out.write(buffered.slice(0, split));
      return;
    }
    const end = buffered.lastIndexOf("\n");
    if (end < 0) {
      this.pending = buffered;
      return;
    }
    this.pending = buffered.slice(end + 1);
    const lines = buffered.slice(0, end).split("\n");
    this.out.write(`${lines.map(visualLine).join("\n")}\n`);
  }

  /** Writes whatever is buffered (an unterminated last line) in its visual form when enabled. */
  flush(): void {
    if (this.pending === "") return;
    const rest = this.pending;
    this.pending = "";
    this.out.write(this.enabled ? visualLine(rest) : rest);
  }
}
