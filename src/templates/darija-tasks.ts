/**
 * Prompts for the `atlas translate | transliterate | summarize | sentiment` commands and the web chat's
 * task presets, written in Darija in the style of the Atlas-Chat model card ("ترجم للدارجة:", "شرح ليا هاد
 * الهضرة:"). Each returns the user message; the caller wraps it in the model's chat template.
 */
import { AtlasError } from "../core/index.js";

/** Translation targets. */
export const TRANSLATE_TARGETS = ["darija", "msa", "en", "fr"] as const;
export type TranslateTarget = (typeof TRANSLATE_TARGETS)[number];

const TRANSLATE_INSTRUCTIONS: Record<TranslateTarget, string> = {
  darija: "ترجم هاد النص للدارجة المغربية:",
  msa: "ترجم هاد النص للعربية الفصحى:",
  en: "ترجم هاد النص للنجليزية:",
  fr: "ترجم هاد النص للفرنسية:",
};

/** "ترجم هاد النص للدارجة المغربية:\n<text>" (and the like for MSA, English, French). */
export function translatePrompt(text: string, to: TranslateTarget): string {
  return `${TRANSLATE_INSTRUCTIONS[to]}\n${requireText(text)}`;
}

/** Transliteration targets: Arabizi (Latin letters + digits) or Arabic script. */
export const TRANSLITERATE_TARGETS = ["arabizi", "arabic"] as const;
export type TransliterateTarget = (typeof TRANSLITERATE_TARGETS)[number];

const TRANSLITERATE_INSTRUCTIONS: Record<TransliterateTarget, string> = {
  arabizi: "كتب هاد الجملة بالحروف اللاتينية (العربيزي)، بلا ما تبدل الكلمات:",
  arabic: "كتب هاد الجملة بالحروف العربية، بلا ما تبدل الكلمات:",
};

export function transliteratePrompt(text: string, to: TransliterateTarget): string {
  return `${TRANSLITERATE_INSTRUCTIONS[to]}\n${requireText(text)}`;
}

/** "لخص ليا هاد النص ف جوج ولا تلاتة ديال الجمل:\n<text>". */
export function summarizePrompt(text: string): string {
  return `لخص ليا هاد النص ف جوج ولا تلاتة ديال الجمل بالدارجة:\n${requireText(text)}`;
}

/** "شرح ليا هاد الهضرة:\n<text>" (the model card's way of asking for an explanation). */
export function explainPrompt(text: string): string {
  return `شرح ليا هاد الهضرة:\n${requireText(text)}`;
}

/** Sentiment labels, each with the Darija word the model is scored on. */
export const SENTIMENT_LABELS = [
  { label: "positive", darija: "إيجابي" },
  { label: "negative", darija: "سلبي" },
  { label: "neutral", darija: "محايد" },
] as const;
export type SentimentLabel = (typeof SENTIMENT_LABELS)[number]["label"];

/** Asks for one word among the labels; the answer is scored, not parsed. */
export function sentimentPrompt(text: string): string {
  const words = SENTIMENT_LABELS.map((l) => l.darija).join("، ");
  return `شنو هو الإحساس اللي كاين ف هاد الجملة؟ جاوب غير بكلمة وحدة من هادو: ${words}.\n${requireText(text)}`;
}

function requireText(text: string): string {
  const trimmed = text.trim();
  if (trimmed === "")
    throw new AtlasError("BAD_ARGUMENT", "there is no text to work on", {
      hint: "pass the text as an argument or on stdin",
    });
  return trimmed;
}
