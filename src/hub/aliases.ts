/** Short names for the Atlas-Chat models. */

/** Alias → hub id. Aliases are matched case-insensitively. */
export const MODEL_ALIASES: Readonly<Record<string, string>> = {
  "atlas-chat:2b": "MBZUAI-Paris/Atlas-Chat-2B",
  "atlas-chat:9b": "MBZUAI-Paris/Atlas-Chat-9B",
  "atlas-chat:27b": "MBZUAI-Paris/Atlas-Chat-27B",
};

/**
 * The hub id an alias stands for, or `undefined` when `name` is not an alias.
 * @example resolveAlias("atlas-chat:9b") // "MBZUAI-Paris/Atlas-Chat-9B"
 */
export function resolveAlias(name: string): string | undefined {
  return MODEL_ALIASES[name.toLowerCase()];
}
