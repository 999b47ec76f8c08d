/** Rules shared by every engine's `generateChoices` (n completions of one prompt). */
import { AtlasError, type GenerateOptions } from "../core/index.js";

/**
 * Checks the number of choices: a whole number from 1 to the model's sequences (each choice decodes in a
 * sequence of its own, all at once).
 * @throws AtlasError BAD_ARGUMENT (field `n`) naming n and the limit
 */
export function checkChoiceCount(n: unknown, sequences: number): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > sequences) {
    throw new AtlasError(
      "BAD_ARGUMENT",
      `n must be a whole number from 1 to ${sequences} (the model's sequences), got ${String(n)}`,
      {
        hint: "ask for fewer choices, or load the model with more parallel sequences (sequences / --parallel)",
        details: { field: "n", limit: sequences, ...(typeof n === "number" ? { actual: n } : {}) },
      },
    );
  }
  return n;
}

/** Choice i's options: the same, sampling with seed + i (mod 2³²) when a seed is given. */
export function choiceOptions(options: GenerateOptions, i: number): GenerateOptions {
  return options.seed === undefined ? options : { ...options, seed: (options.seed + i) >>> 0 };
}
