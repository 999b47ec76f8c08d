/** A few words of a message around where a search matched it, for the result list. */
import { normalizeSearchText, searchKeys, skeletonMatches, type SearchQuery } from "./search-keys.js";

/** Words shown before and after the matching word. */
const WORDS_BEFORE = 5;
const WORDS_AFTER = 12;

/**
 * The words around the first word where `query` matches (its first word's normalized text or spelling
 * skeleton); the start of the text when no single word does (a phrase across punctuation).
 */
export function snippetAround(text: string, query: SearchQuery): string {
  const words = text.split(/\s+/).filter((w) => w !== "");
  const first = query.text.split(" ")[0] ?? "";
  const skeleton = query.words[0];
  let at = words.findIndex((w) => {
    const norm = normalizeSearchText(w);
    return (
      (first !== "" && norm.includes(first)) ||
      (skeleton !== undefined && skeletonMatches(skeleton, searchKeys(w)))
    );
  });
  if (at < 0) at = 0;
  const start = Math.max(0, at - WORDS_BEFORE);
  const end = Math.min(words.length, at + WORDS_AFTER);
  return `${start > 0 ? "… " : ""}${words.slice(start, end).join(" ")}${end < words.length ? " …" : ""}`;
}
