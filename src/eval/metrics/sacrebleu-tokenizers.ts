/**
 * sacreBLEU's tokenizers for BLEU: `13a` (the default, mteval-v13a), `intl` (mteval-v14 international),
 * `char` and `none`. Each returns the tokenized line with single spaces; BLEU then splits it.
 */
import { AtlasError } from "../../core/index.js";
import { pySplit } from "./python-text.js";

/** The tokenizers sacreBLEU's BLEU accepts that we implement. */
export const BLEU_TOKENIZERS = ["13a", "intl", "char", "none"] as const;
export type BleuTokenizer = (typeof BLEU_TOKENIZERS)[number];

// mteval-v13a's rules, applied in this order to " " + line + " ". The classes are ASCII-only on
// purpose: Arabic punctuation (، ؟ ؛) stays attached and Arabic-Indic digits count as non-digits.
const RULES_13A: readonly [RegExp, string][] = [
  [/([{-~[-` -&(-+:-@/])/gu, " $1 "],
  [/([^0-9])([.,])/gu, "$1 $2 "],
  [/([.,])([^0-9])/gu, " $1 $2"],
  [/([0-9])(-)/gu, "$1 $2 "],
];

// mteval-v14 "international": Unicode punctuation and symbols.
const RULES_INTL: readonly [RegExp, string][] = [
  [/(\P{N})(\p{P})/gu, "$1 $2 "],
  [/(\p{P})(\P{N})/gu, " $1 $2"],
  [/(\p{S})/gu, " $1 "],
];

function applyRules(line: string, rules: readonly [RegExp, string][]): string {
  let out = line;
  for (const [pattern, replacement] of rules) out = out.replace(pattern, replacement);
  return pySplit(out).join(" ");
}

/** mteval-v13a: drop `<skipped>`, join hyphenated line breaks, unescape four XML entities, split punctuation. */
export function tokenize13a(line: string): string {
  let text = line.replaceAll("<skipped>", "").replaceAll("-\n", "").replaceAll("\n", " ");
  if (text.includes("&")) {
    text = text
      .replaceAll("&quot;", '"')
      .replaceAll("&amp;", "&")
      .replaceAll("&lt;", "<")
      .replaceAll("&gt;", ">");
  }
  return applyRules(` ${text} `, RULES_13A);
}

/** mteval-v14 international tokenization. */
export function tokenizeIntl(line: string): string {
  return applyRules(line, RULES_INTL);
}

/** One token per code point (sacreBLEU's `char`, for languages without spaces). */
export function tokenizeChar(line: string): string {
  return Array.from(line).join(" ");
}

/** The tokenizer function for a name. */
export function bleuTokenizer(name: BleuTokenizer): (line: string) => string {
  switch (name) {
    case "13a":
      return tokenize13a;
    case "intl":
      return tokenizeIntl;
    case "char":
      return tokenizeChar;
    case "none":
      return (line) => line;
    default:
      throw new AtlasError("BAD_ARGUMENT", `unknown BLEU tokenizer '${String(name)}'`, {
        hint: `use one of ${BLEU_TOKENIZERS.join(", ")}`,
      });
  }
}
