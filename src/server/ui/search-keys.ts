/**
 * Search keys of chat text, so that a search finds Darija however it was spelled. Two levels (the rules,
 * with examples, are in docs/web.md § Search):
 *
 * 1. **Normalized text** ({@link normalizeSearchText}): the same letters whatever the hamza/alef form,
 *    tashkeel, tatweel, Maghrebi letter variant, digit script, case or Latin accent. A query matches when
 *    its normalized text occurs in the message's normalized text.
 * 2. **Word skeletons** ({@link wordSkeletons}): each word reduced to its consonants in one script, so that
 *    an Arabizi word ("3lach", "bzzaf", "xno") meets its Arabic-script spelling ("علاش", "بزاف", "شنو").
 *    Latin words are folded to Arabic letters ({@link ARABIZI_FOLDS}), then both scripts drop alef and
 *    hamza, fold letters Arabizi cannot tell apart (ص/س, ط/ت, ح/ه, ق/ك …), collapse doubled letters and
 *    drop a final ه (ة). The "loose" skeleton also drops و/ي after the first letter (long vowels that one
 *    spelling writes and the other leaves out).
 *
 * Pure functions; the chat store keeps both keys next to each message.
 */

/** Arabic letter variants that search treats as one letter (after NFKD removed hamza/madda marks). */
const LETTER_VARIANTS: Readonly<Record<string, string>> = {
  "\u0671": "ا", // ٱ alef wasla
  "\u0649": "ي", // ى alef maksura
  "\u06CC": "ي", // ی farsi yeh
  "\u0629": "ه", // ة teh marbuta
  "\u06A9": "ك", // ک keheh
  "\u06AF": "ك", // گ gaf
  "\u06AD": "ك", // ڭ ng: Moroccan "g"
  "\u0763": "ك", // ݣ keheh with three dots: Moroccan "g"
  "\u06A4": "ف", // ڤ veh
  "\u06A8": "ق", // ڨ qaf with three dots (Maghrebi "g")
  "\u067E": "ب", // پ peh
  "\u0686": "ج", // چ tcheh
};

/** Hamza on its own: dropped ("شيء" = "شي"). Tatweel, joiners and bidi controls: dropped. */
const DROPPED = /[\u0621\u0640\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/gu;

/** Arabic-Indic (U+0660–0669) and Extended Arabic-Indic (U+06F0–06F9) digits → ASCII. */
function asciiDigits(text: string): string {
  return text.replace(/[\u0660-\u0669\u06F0-\u06F9]/gu, (d) => String(d.charCodeAt(0) & 0xf));
}

/**
 * Level 1: NFKD (presentation forms and ligatures become letters; أ إ آ ؤ ئ become ا و ي plus a mark),
 * every combining mark removed (tashkeel, hamza above/below, madda, Latin accents), the letter variants
 * folded, digits in ASCII, lower case, anything that is not a letter or digit turned into one space.
 * @example normalizeSearchText("أَنَا مْزْيَـــانْ!") // "انا مزيان"
 */
export function normalizeSearchText(text: string): string {
  const decomposed = text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .replace(DROPPED, "");
  let out = "";
  for (const ch of asciiDigits(decomposed).toLowerCase()) out += LETTER_VARIANTS[ch] ?? ch;
  return out
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()
    .replace(/ +/g, " ");
}

/**
 * Arabizi → Arabic letters, longest spelling first. The digits stand for the letters Latin lacks; `x`
 * is Moroccan Arabizi's ش ("xno" = شنو). Vowels: `a` and `e` are dropped (alef and short vowels are not
 * part of a skeleton), `i`/`ee` are ي, `o`/`u`/`ou`/`oo` are و.
 */
export const ARABIZI_FOLDS: readonly (readonly [latin: string, arabic: string])[] = [
  ["tch", "تش"],
  ["3'", "غ"],
  ["7'", "خ"],
  ["ch", "ش"],
  ["sh", "ش"],
  ["kh", "خ"],
  ["gh", "غ"],
  ["th", "ت"],
  ["dh", "د"],
  ["dj", "ج"],
  ["ou", "و"],
  ["oo", "و"],
  ["ee", "ي"],
  ["2", "ء"],
  ["3", "ع"],
  ["5", "خ"],
  ["7", "ح"],
  ["9", "ق"],
  ["a", ""],
  ["e", ""],
  ["i", "ي"],
  ["o", "و"],
  ["u", "و"],
  ["y", "ي"],
  ["w", "و"],
  ["b", "ب"],
  ["p", "ب"],
  ["t", "ت"],
  ["j", "ج"],
  ["h", "ه"],
  ["d", "د"],
  ["r", "ر"],
  ["z", "ز"],
  ["s", "س"],
  ["x", "ش"],
  ["f", "ف"],
  ["v", "ف"],
  ["q", "ق"],
  ["k", "ك"],
  ["g", "ك"],
  ["l", "ل"],
  ["m", "م"],
  ["n", "ن"],
];

const LONGEST_FOLD = Math.max(...ARABIZI_FOLDS.map(([latin]) => latin.length));
const FOLD_MAP = new Map(ARABIZI_FOLDS);

/**
 * Folds one Arabizi word (lower case) into Arabic letters; `c` is س before e/i/y (French "merci") and ك
 * elsewhere; characters without a fold are kept.
 * @example foldArabizi("3lach") // "علش"
 */
export function foldArabizi(word: string): string {
  let out = "";
  let i = 0;
  while (i < word.length) {
    if (word[i] === "c" && word[i + 1] !== "h") {
      out += /[eiy]/.test(word[i + 1] ?? "") ? "س" : "ك";
      i += 1;
      continue;
    }
    let matched = false;
    for (let n = Math.min(LONGEST_FOLD, word.length - i); n > 0; n--) {
      const arabic = FOLD_MAP.get(word.slice(i, i + n));
      if (arabic !== undefined) {
        out += arabic;
        i += n;
        matched = true;
        break;
      }
    }
    if (!matched) out += word[i++];
  }
  return out;
}

/** Letters Arabizi writes alike, folded to one class for skeletons (after LETTER_VARIANTS). */
const SKELETON_CLASSES: Readonly<Record<string, string>> = {
  ا: "",
  ء: "",
  ص: "س",
  ث: "ت",
  ط: "ت",
  ض: "د",
  ذ: "د",
  ظ: "د",
  ح: "ه",
  ق: "ك",
};

const ARABIC_LETTER = /\p{Script=Arabic}/u;
const LATIN_LETTER = /[a-z]/;

/** A word's two skeletons: `strict` keeps و/ي, `loose` keeps them only as the first letter. */
export interface WordSkeleton {
  strict: string;
  loose: string;
}

/** The skeletons of one normalized word, or undefined for a word without letters (a number). */
export function wordSkeleton(word: string): WordSkeleton | undefined {
  let letters: string;
  if (LATIN_LETTER.test(word)) letters = foldArabizi(word);
  else if (ARABIC_LETTER.test(word)) letters = word;
  else return undefined;
  let strict = "";
  for (const ch of letters) {
    if (!ARABIC_LETTER.test(ch)) continue;
    const folded = SKELETON_CLASSES[ch] ?? ch;
    if (folded !== "" && !strict.endsWith(folded)) strict += folded;
  }
  if (strict.length > 1 && strict.endsWith("ه")) strict = strict.slice(0, -1);
  if (strict === "") return undefined;
  const loose = strict[0]! + strict.slice(1).replace(/[وي]/g, "");
  return { strict, loose };
}

/** Search keys of a text: its normalized form and the distinct skeletons of its words. */
export interface SearchKeys {
  /** Level 1: {@link normalizeSearchText}, padded with one space on each side. */
  text: string;
  /** Strict skeletons, space-separated, padded. */
  strict: string;
  /** Loose skeletons, space-separated, padded. */
  loose: string;
}

/** The keys the store keeps for a text (a message, a title). */
export function searchKeys(text: string): SearchKeys {
  const normalized = normalizeSearchText(text);
  const strict = new Set<string>();
  const loose = new Set<string>();
  for (const word of normalized.split(" ")) {
    const skeleton = wordSkeleton(word);
    if (skeleton === undefined) continue;
    strict.add(skeleton.strict);
    loose.add(skeleton.loose);
  }
  const pad = (words: Iterable<string>): string => ` ${[...words].join(" ")} `;
  return { text: ` ${normalized} `, strict: pad(strict), loose: pad(loose) };
}

/** A parsed search: level-1 text and the skeletons every word must match. */
export interface SearchQuery {
  /** Normalized query ("" when nothing searchable is left). */
  text: string;
  /** One entry per word with letters. */
  words: WordSkeleton[];
}

/** Parses a user's search. */
export function parseSearchQuery(query: string): SearchQuery {
  const text = normalizeSearchText(query);
  const words = text === "" ? [] : text.split(" ").flatMap((w) => wordSkeleton(w) ?? []);
  return { text, words };
}

/**
 * Level 2 of one query word against a text's keys: its strict skeleton equals one of the text's (or
 * occurs inside one, from 3 letters: clitics such as ل ب ف و); or its loose skeleton does (equal from 2
 * letters, inside from 3).
 */
export function skeletonMatches(word: WordSkeleton, keys: Pick<SearchKeys, "strict" | "loose">): boolean {
  const has = (haystack: string, needle: string, minInside: number): boolean =>
    haystack.includes(` ${needle} `) || (needle.length >= minInside && haystack.includes(needle));
  return has(keys.strict, word.strict, 3) || (word.loose.length >= 2 && has(keys.loose, word.loose, 3));
}
