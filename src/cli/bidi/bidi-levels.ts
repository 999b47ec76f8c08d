/**
 * The Unicode Bidirectional Algorithm (UAX #9) for one paragraph, by `bidi-js` (the whole algorithm,
 * tested by its authors against Unicode's full conformance suite): resolved levels (P2–P3, X1–X10,
 * W1–W7, N0–N2, I1–I2, L1), reordering (L2) and mirrored glyphs (L4). What to reorder — code points or
 * whole grapheme clusters — is the caller's choice (see visual-line.ts).
 *
 * bidi-js works on UTF-16 code units and classifies each half of a surrogate pair as L, which would make
 * an emoji (class ON) a strong left-to-right character. So it is given one code unit per code point: a
 * character outside the BMP is replaced by a BMP character of the same bidi class.
 */
import bidiJs, { type BidiCharTypeName, type EmbeddingLevels } from "bidi-js";

// bidi-js is CommonJS (`module.exports = bidiFactory`) while its types declare an ES default export,
// which TypeScript then expects under `.default`: at run time the default import is the factory itself.
const bidiFactory = bidiJs as unknown as typeof bidiJs.default;
const bidi = bidiFactory();

/** A BMP character of each bidi class, standing in for characters outside the BMP. */
const STAND_IN: Readonly<Record<BidiCharTypeName, string>> = {
  L: "a",
  R: "\u05d0",
  AL: "\u0627",
  EN: "0",
  ES: "+",
  ET: "$",
  AN: "\u0660",
  CS: ",",
  B: "\u2029",
  S: "\t",
  WS: " ",
  ON: "!",
  BN: "\u00ad",
  NSM: "\u0300",
  LRO: "\u202d",
  RLO: "\u202e",
  LRE: "\u202a",
  RLE: "\u202b",
  PDF: "\u202c",
  LRI: "\u2066",
  RLI: "\u2067",
  FSI: "\u2068",
  PDI: "\u2069",
};

/** The bidi class of a code point. */
export function bidiClass(cp: number): BidiCharTypeName {
  return bidi.getBidiCharTypeName(String.fromCodePoint(cp));
}

/** `cps` as a string of one UTF-16 code unit each, with the same bidi classes. */
function oneUnitEach(cps: readonly number[]): string {
  let text = "";
  for (const cp of cps) text += cp <= 0xffff ? String.fromCharCode(cp) : STAND_IN[bidiClass(cp)];
  return text;
}

/** Resolved levels: even = left-to-right, odd = right-to-left. */
export interface BidiLevels {
  /** 0 (LTR) or 1 (RTL). */
  paragraphLevel: number;
  /** One level per input code point. */
  levels: number[];
}

/**
 * The levels of one paragraph's code points. The paragraph direction is the first strong character's
 * (P2–P3) unless `direction` forces it.
 */
export function resolveLevels(cps: readonly number[], direction?: "ltr" | "rtl"): BidiLevels {
  const result = bidi.getEmbeddingLevels(oneUnitEach(cps), direction ?? "auto");
  return { paragraphLevel: result.paragraphs[0]?.level ?? 0, levels: Array.from(result.levels) };
}

/**
 * L1's trailing-whitespace rule and L2 for one line of units (code points, or the first code point of
 * each grapheme cluster) with their levels: the units' indices in visual (left-to-right) order.
 */
export function visualOrder(
  cps: readonly number[],
  levels: readonly number[],
  paragraphLevel: number,
): number[] {
  const order = cps.map((_, i) => i);
  if (cps.length === 0) return order;
  const resolved: EmbeddingLevels = {
    levels: Uint8Array.from(levels),
    paragraphs: [{ start: 0, end: cps.length - 1, level: paragraphLevel }],
  };
  for (const [start = 0, end = 0] of bidi.getReorderSegments(oneUnitEach(cps), resolved)) {
    for (let a = start, b = end; a < b; a++, b--) [order[a], order[b]] = [order[b] ?? 0, order[a] ?? 0];
  }
  return order;
}

/** L4: the mirror image of `cp` (")" for "("), for characters at an odd level; undefined if none. */
export function mirrorGlyph(cp: number): number | undefined {
  if (cp > 0xffff) return undefined;
  return bidi.getMirroredCharacter(String.fromCharCode(cp))?.codePointAt(0);
}
