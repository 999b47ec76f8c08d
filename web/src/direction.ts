/**
 * Text direction, decided the way the Unicode bidi algorithm's rules P2–P3 (and HTML's `dir="auto"`) do:
 * by the first strong character. Pure functions; no DOM.
 */

/** A resolved direction. */
export type Direction = "rtl" | "ltr";

/** The user's override: follow the text (`auto`) or force one direction. */
export type DirectionSetting = "auto" | Direction;

/** Letters of right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan, Mandaic …). */
const RTL_LETTER =
  /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}]/u;
/** Any letter (strong left-to-right unless it is right-to-left). */
const LETTER = /\p{L}/u;

/**
 * The direction of the first strong character of `text`, or null when it has none yet (only digits,
 * punctuation, spaces: what a streamed reply may start with).
 * @example firstStrongDirection("2024: عام زوين") // "rtl"
 */
export function firstStrongDirection(text: string): Direction | null {
  for (const ch of text) {
    if (!LETTER.test(ch)) continue;
    return RTL_LETTER.test(ch) ? "rtl" : "ltr";
  }
  return null;
}

/**
 * The `dir` attribute of a block of text: the override when there is one; `auto` when the text has a
 * strong character (the browser then decides exactly as HTML specifies); else `fallback`, so a block of
 * digits or a reply whose first letter has not streamed in yet keeps the direction around it instead of
 * jumping to LTR and back.
 */
export function blockDir(text: string, setting: DirectionSetting, fallback: Direction): "auto" | Direction {
  if (setting !== "auto") return setting;
  return firstStrongDirection(text) === null ? fallback : "auto";
}
