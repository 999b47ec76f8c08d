/**
 * Python's string semantics where the reference metrics depend on them. sacreBLEU and rouge_score are
 * Python: `str.split()` and `str.rstrip()` use Python's whitespace (which differs from JavaScript's
 * `\s`: Python includes U+001C–U+001F and U+0085 but not U+FEFF), and `len()` / iteration count
 * code points, not UTF-16 units (emoji in tweets are one character in Python, two units in JS).
 */

/** Python's `str.isspace()` characters (Unicode White_Space per CPython: bidi WS/B/S or category Zs). */
const PY_WHITESPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_SPLIT = new RegExp(`[${PY_WHITESPACE}]+`, "u");
const PY_TRAILING = new RegExp(`[${PY_WHITESPACE}]+$`, "u");
const PY_LEADING = new RegExp(`^[${PY_WHITESPACE}]+`, "u");

/** Python's `text.split()` (no argument): runs of whitespace separate, no empty strings. */
export function pySplit(text: string): string[] {
  return text.split(PY_SPLIT).filter((part) => part !== "");
}

/** Python's `text.rstrip()`. */
export function pyRstrip(text: string): string {
  return text.replace(PY_TRAILING, "");
}

/** Python's `text.strip()`. */
export function pyStrip(text: string): string {
  return pyRstrip(text).replace(PY_LEADING, "");
}

/** The code points of `text` (Python's `list(text)`). */
export function codePoints(text: string): string[] {
  return Array.from(text);
}

/** Python's `len(text)`: code points. */
export function pyLen(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** `Counter`: counts of each key, in a Map so that keys such as "constructor" are ordinary keys. */
export function countKeys(keys: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}
