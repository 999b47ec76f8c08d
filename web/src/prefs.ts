/**
 * The user's choices kept in this browser (localStorage): UI language, theme, direction override, the
 * model and settings a new conversation starts with.
 */
import type { ConversationSettings } from "./api.js";
import type { DirectionSetting } from "./direction.js";
import { isUiLanguage, type UiLanguage } from "./i18n.js";

/** Colour theme: follow the system, or force one. */
export type Theme = "system" | "light" | "dark";

/** Everything kept between visits. */
export interface Prefs {
  language: UiLanguage;
  theme: Theme;
  direction: DirectionSetting;
  /** Model of new conversations ("" = the first listed). */
  model: string;
  /** Settings of new conversations. */
  settings: ConversationSettings;
}

const STORAGE_KEY = "atlas.prefs";

const DEFAULTS: Prefs = { language: "ary", theme: "system", direction: "auto", model: "", settings: {} };

/** The saved preferences, each field checked (a hand-edited value falls back to its default). */
export function loadPrefs(): Prefs {
  let saved: Partial<Record<keyof Prefs, unknown>> = {};
  try {
    saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "{}") as typeof saved;
  } catch {
    // unreadable: defaults
  }
  const oneOf = <T extends string>(value: unknown, allowed: readonly T[], fallback: T): T =>
    allowed.includes(value as T) ? (value as T) : fallback;
  return {
    language: isUiLanguage(saved.language) ? saved.language : DEFAULTS.language,
    theme: oneOf(saved.theme, ["system", "light", "dark"], DEFAULTS.theme),
    direction: oneOf(saved.direction, ["auto", "rtl", "ltr"], DEFAULTS.direction),
    model: typeof saved.model === "string" ? saved.model : DEFAULTS.model,
    settings:
      typeof saved.settings === "object" && saved.settings !== null ? saved.settings : DEFAULTS.settings,
  };
}

/** Saves the preferences. */
export function savePrefs(prefs: Prefs): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(prefs));
}
