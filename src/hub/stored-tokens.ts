/**
 * `stored_tokens`: the named tokens `hf auth login` keeps beside the token file, an INI file written by
 * Python's `configparser`:
 *
 *     [my-laptop]
 *     hf_token = hf_xxx
 *     refresh_token = hf_oauth_…        (browser / device-code logins only)
 *     expires_at = 1767225600           (unix seconds; such a token stops working then)
 *
 * We read it for one thing: whether the active token (the file `$HF_TOKEN_PATH`) is one of these with an
 * `expires_at` in the past, so we neither send a token the hub will reject nor fail a public download
 * because of it.
 */
import { readFileSync } from "node:fs";
import { systemErrorCode } from "../core/index.js";

/** One section of `stored_tokens`. */
export interface StoredToken {
  name: string;
  token: string;
  /** When it expires, for OAuth logins. */
  expiresAt?: Date;
  /** True when the login left a refresh token (huggingface_hub renews such a token on its next use). */
  refreshable: boolean;
}

/**
 * Parses configparser's INI dialect as Python writes and reads it: `[section]`, `key = value` or
 * `key: value` (keys case-insensitive), whole-line `#`/`;` comments, indented continuation lines, and
 * a DEFAULT section inherited by every other. Like Python, a malformed file (a duplicate section or key,
 * a line outside any section) yields nothing rather than a guess; `onProblem` says why.
 */
export function parseStoredTokens(text: string, onProblem?: (why: string) => void): StoredToken[] {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  const fail = (why: string): StoredToken[] => {
    onProblem?.(why);
    return [];
  };
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) {
      if (trimmed === "") lastKey = undefined;
      continue;
    }
    if (/^\s/.test(raw) && current !== undefined && lastKey !== undefined) {
      current.set(lastKey, `${current.get(lastKey) ?? ""}\n${trimmed}`);
      continue;
    }
    const header = /^\[(.+)\]/.exec(trimmed);
    if (header?.[1] !== undefined) {
      if (sections.has(header[1])) return fail(`section [${header[1]}] appears twice (line ${index + 1})`);
      current = new Map();
      sections.set(header[1], current);
      lastKey = undefined;
      continue;
    }
    const option = /^(.*?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (option?.[1] === undefined || option[1] === "") return fail(`line ${index + 1} is not 'key = value'`);
    if (current === undefined) return fail(`line ${index + 1} comes before any [section]`);
    const key = option[1].toLowerCase();
    if (current.has(key)) return fail(`'${key}' appears twice in a section (line ${index + 1})`);
    current.set(key, option[2] ?? "");
    lastKey = key;
  }
  const defaults = sections.get("DEFAULT") ?? new Map<string, string>();
  const tokens: StoredToken[] = [];
  for (const [name, fields] of sections) {
    if (name === "DEFAULT") continue;
    const get = (key: string): string | undefined => fields.get(key) ?? defaults.get(key);
    const token = get("hf_token");
    if (token === undefined) continue;
    const seconds = Number.parseInt(get("expires_at") ?? "", 10);
    tokens.push({
      name,
      token: token.replace(/[\r\n]/g, "").trim(),
      ...(Number.isFinite(seconds) ? { expiresAt: new Date(seconds * 1000) } : {}),
      refreshable: (get("refresh_token") ?? "") !== "",
    });
  }
  return tokens;
}

/** Reads and parses `path`; a missing file is no tokens. Other read errors go to `onProblem`. */
export function readStoredTokens(path: string, onProblem?: (why: string) => void): StoredToken[] {
  try {
    return parseStoredTokens(readFileSync(path, "utf8"), (why) => onProblem?.(`${path}: ${why}`));
  } catch (error) {
    if (systemErrorCode(error) !== "ENOENT") onProblem?.(`cannot read ${path} (${systemErrorCode(error)})`);
    return [];
  }
}
