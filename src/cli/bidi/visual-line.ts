/**
 * Logical → visual order for one terminal line: what a bidi-aware terminal would draw, as a string a
 * left-to-right-only terminal can print cell by cell.
 */
import type { BidiCharTypeName } from "bidi-js";
import { bidiClass, mirrorGlyph, resolveLevels, visualOrder } from "./bidi-levels.js";
import { shapeCodePoints } from "./shape-arabic.js";
import { hasEscapes, splitAnsi, styleTransition } from "./split-ansi.js";

// Paragraph separators (Bidi_Class B): each piece between them is a paragraph of its own (P1).
const PARAGRAPH_SEPARATORS: ReadonlySet<string> = new Set("\n\r\x1c\x1d\x1e\x85\u2029");

/** Classes that make text move: without one of them, the visual order is the logical order. */
const REORDERING_CLASSES: ReadonlySet<BidiCharTypeName> = new Set<BidiCharTypeName>([
  "R",
  "AL",
  "AN",
  "RLE",
  "RLO",
  "RLI",
]);

/** Explicit formatting characters: their job is done once the line is reordered, so they are not printed. */
function isBidiControl(cp: number): boolean {
  return (
    cp === 0x061c ||
    cp === 0x200e ||
    cp === 0x200f ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069)
  );
}

/** Whether reordering could change anything: only right-to-left characters or embeddings move text. */
function needsReordering(text: string): boolean {
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    // Everything below Hebrew is left-to-right or neutral: skip the lookup for it.
    if (cp >= 0x0590 && REORDERING_CLASSES.has(bidiClass(cp))) return true;
  }
  return false;
}

let segmenter: Intl.Segmenter | undefined;

/** Grapheme clusters as [start, end) code point ranges: a base and its marks move as one cell. */
function clusters(cps: readonly number[]): [number, number][] {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  const result: [number, number][] = [];
  let start = 0;
  const text = cps.map((cp) => String.fromCodePoint(cp)).join("");
  for (const { segment } of segmenter.segment(text)) {
    let length = 0;
    for (const _ of segment) length++;
    result.push([start, start + length]);
    start += length;
  }
  return result;
}

function visualParagraph(paragraph: string): string {
  if (!needsReordering(paragraph)) return paragraph;
  const split = hasEscapes(paragraph) ? splitAnsi(paragraph) : undefined;
  const logical = Array.from(split?.text ?? paragraph, (ch) => ch.codePointAt(0) ?? 0);
  const shaped = shapeCodePoints(logical);
  const { levels, paragraphLevel } = resolveLevels(shaped.cps);
  // Whole grapheme clusters move: a base letter and its marks, an emoji sequence, stay together.
  const cells = clusters(shaped.cps);
  const cellLevels = cells.map(([start]) => levels[start] ?? 0);
  const cellHeads = cells.map(([start]) => shaped.cps[start] ?? 0);

  let out = split?.prefix ?? "";
  let style = "";
  for (const index of visualOrder(cellHeads, cellLevels, paragraphLevel)) {
    const [start, end] = cells[index] ?? [0, 0];
    for (let k = start; k < end; k++) {
      const cp = shaped.cps[k] ?? 0;
      if (isBidiControl(cp)) continue;
      if (split !== undefined) {
        const wanted = split.styles[shaped.source[k] ?? 0] ?? "";
        out += styleTransition(style, wanted);
        style = wanted;
      }
      // L4: at an odd level a mirrored character shows its mirror image, "(" becoming ")".
      const glyph = (levels[k] ?? 0) % 2 === 1 ? (mirrorGlyph(cp) ?? cp) : cp;
      out += String.fromCodePoint(glyph);
    }
  }
  if (split !== undefined) out += styleTransition(style, split.endStyle);
  return out;
}

/**
 * The visual form of one line (no "\n" inside): the Unicode Bidirectional Algorithm with the
 * paragraph direction of the first strong character (an Arabic line reads right to left: its first
 * word ends up rightmost), numbers and Latin runs left to right inside it, brackets mirrored, Arabic
 * shaped, grapheme clusters and terminal escape sequences kept intact. Lines without right-to-left
 * text come back unchanged.
 */
export function visualLine(line: string): string {
  if (!needsReordering(line)) return line;
  let out = "";
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    const ch = line.charAt(i);
    if (!PARAGRAPH_SEPARATORS.has(ch)) continue;
    out += visualParagraph(line.slice(start, i)) + ch;
    start = i + 1;
  }
  return out + visualParagraph(line.slice(start));
}
