/**
 * The web chat's one-click tasks, made from the very prompt functions the CLI's `translate`,
 * `transliterate` and `summarize` commands use (src/templates/darija-tasks.ts): each function is called
 * once with a marker as the text, and the prompt is cut around it. The page puts the user's (trimmed)
 * text between the two halves, so a prompt changed in templates changes in the page too.
 */
import {
  TRANSLATE_TARGETS,
  TRANSLITERATE_TARGETS,
  explainPrompt,
  summarizePrompt,
  translatePrompt,
  transliteratePrompt,
} from "../../templates/index.js";
import type { TaskPreset } from "./ui-api-types.js";

/** A text no prompt contains: where the user's text goes. */
const TEXT_MARKER = "\u2063ATLAS-TEXT\u2063";

function cut(
  id: string,
  kind: TaskPreset["kind"],
  prompt: (text: string) => string,
  target?: string,
): TaskPreset {
  const whole = prompt(TEXT_MARKER);
  const at = whole.indexOf(TEXT_MARKER);
  if (at < 0 || whole.indexOf(TEXT_MARKER, at + 1) >= 0)
    throw new Error(`the ${id} prompt must contain the text exactly once`);
  return {
    id,
    kind,
    ...(target === undefined ? {} : { target }),
    before: whole.slice(0, at),
    after: whole.slice(at + TEXT_MARKER.length),
  };
}

/** Every preset, in the order the page shows them. */
export function taskPresets(): TaskPreset[] {
  return [
    ...TRANSLATE_TARGETS.map((to) => cut(`translate-${to}`, "translate", (t) => translatePrompt(t, to), to)),
    ...TRANSLITERATE_TARGETS.map((to) =>
      cut(`transliterate-${to}`, "transliterate", (t) => transliteratePrompt(t, to), to),
    ),
    cut("summarize", "summarize", summarizePrompt),
    cut("explain", "explain", explainPrompt),
  ];
}
