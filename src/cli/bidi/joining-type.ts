/**
 * Arabic Joining_Type (ArabicShaping.txt), for the Arabic letters a terminal can be given shaped:
 * D dual-joining (joins on both sides), R right-joining (only to the letter before it), C join-causing
 * (tatweel, ZWJ), U non-joining, T transparent (harakat and other marks: skipped when looking for a
 * letter's neighbours).
 */

/** A Joining_Type value (L, left-joining, does not occur in Arabic). */
export type JoiningType = "D" | "R" | "C" | "U" | "T";

/** Arabic, Arabic Supplement and Arabic Extended-A: the blocks whose letters join. */
const LETTER_BLOCKS: readonly (readonly [number, number])[] = [
  [0x0620, 0x06ff],
  [0x0750, 0x077f],
  [0x08a0, 0x08c8],
];

/** Right-joining letters of those blocks, `START[-END]` in hex; every other letter there joins both ways. */
const RIGHT_JOINING = `
622-625 627 629 62F-632 648 671-673 675-677 688-699 6C0 6C3-6CB 6CD 6CF 6D2-6D3 6D5 6EE-6EF
759-75B 76B-76C 771 773-774 778-779 8AA-8AC 8AE 8B1-8B2 8B9
`;

/** Letters of those blocks that never join: hamza, high hamza, low alef. */
const NON_JOINING_LETTERS: ReadonlySet<number> = new Set([0x0621, 0x0674, 0x08ad]);

/**
 * Format characters are transparent by default, but these break joining: number signs that sit
 * above digits, ZWNJ, and the bidi isolates.
 */
const NON_JOINING_FORMAT = `600-605 6DD 890-891 8E2 200C 2066-2069`;

const TATWEEL = 0x0640;
const ZWJ = 0x200d;

function parseRanges(table: string): (readonly [number, number])[] {
  return table
    .trim()
    .split(/\s+/)
    .map((token) => {
      const [first = "", last = first] = token.split("-");
      return [Number.parseInt(first, 16), Number.parseInt(last, 16)] as const;
    });
}

const rightJoining = parseRanges(RIGHT_JOINING);
const nonJoiningFormat = parseRanges(NON_JOINING_FORMAT);

function inRanges(cp: number, ranges: readonly (readonly [number, number])[]): boolean {
  return ranges.some(([start, end]) => cp >= start && cp <= end);
}

const LETTER = /^\p{Lo}$/u;
const TRANSPARENT = /^[\p{Mn}\p{Me}\p{Cf}]$/u;

/** The Joining_Type of `cp` (U for everything outside Arabic that is not a mark). */
export function joiningType(cp: number): JoiningType {
  if (cp < 0x80) return "U";
  if (cp === TATWEEL || cp === ZWJ) return "C";
  const ch = String.fromCodePoint(cp);
  if (inRanges(cp, LETTER_BLOCKS) && LETTER.test(ch)) {
    if (NON_JOINING_LETTERS.has(cp)) return "U";
    return inRanges(cp, rightJoining) ? "R" : "D";
  }
  if (TRANSPARENT.test(ch) && !inRanges(cp, nonJoiningFormat)) return "T";
  return "U";
}

/** Whether `cp` is an Arabic letter or tatweel, i.e. something ZWJ/ZWNJ can be steering. */
export function isArabicJoiner(cp: number): boolean {
  return cp === TATWEEL || (inRanges(cp, LETTER_BLOCKS) && LETTER.test(String.fromCodePoint(cp)));
}
