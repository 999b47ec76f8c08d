/**
 * Terminal escape sequences inside a line that is about to be reordered. Reordering them as text
 * would scatter "\x1b[31m" into garbage, so they are taken out first: colours and hyperlinks become
 * a style attached to each code point (re-emitted wherever the style changes in visual order), and
 * everything else (cursor moves, erase-line) is kept at the start of the line.
 */

/** A line with its escape sequences taken out. */
export interface AnsiSplit {
  /** The printable text. */
  text: string;
  /** For each code point of `text`: the SGR/OSC sequences in force there, concatenated since the line start. */
  styles: string[];
  /** Non-styling sequences, in order, to be written before the line. */
  prefix: string;
  /** The style in force after the last code point (so the next line starts where the original left off). */
  endStyle: string;
}

/* eslint-disable no-control-regex -- escape sequences are made of control characters */
// CSI (ESC [ params intermediates final), OSC (ESC ] … BEL or ST), or a two-byte ESC sequence.
const ESCAPE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]?/g;
const SGR = /^\x1b\[[0-9;:]*m$/;
const FULL_RESET = /^\x1b\[0*m/;
/* eslint-enable no-control-regex */
const RESET = "\x1b[0m";

/** Whether `line` contains an escape sequence at all. */
export function hasEscapes(line: string): boolean {
  return line.includes("\x1b");
}

/** Takes the escape sequences out of `line`. */
export function splitAnsi(line: string): AnsiSplit {
  const styles: string[] = [];
  let text = "";
  let prefix = "";
  let style = "";
  let at = 0;
  const addText = (chunk: string): void => {
    text += chunk;
    for (const _ of chunk) styles.push(style);
  };
  for (const match of line.matchAll(ESCAPE)) {
    addText(line.slice(at, match.index));
    const sequence = match[0];
    if (SGR.test(sequence) || sequence.startsWith("\x1b]")) {
      // After a full reset what came before no longer matters: keep the style strings short.
      style = FULL_RESET.test(sequence) ? sequence : style + sequence;
    } else prefix += sequence;
    at = match.index + sequence.length;
  }
  addText(line.slice(at));
  return { text, styles, prefix, endStyle: style };
}

/**
 * What to write to go from style `from` to style `to`. Styles only grow within a line, so the common
 * case is writing the difference; going back needs a reset and a replay, which also drops a style
 * inherited from a previous line (there is no way to restore what we never saw).
 */
export function styleTransition(from: string, to: string): string {
  if (from === to) return "";
  if (to.startsWith(from)) return to.slice(from.length);
  return FULL_RESET.test(to) ? to : RESET + to;
}
