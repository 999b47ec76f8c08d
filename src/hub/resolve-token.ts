/**
 * Where the hub token comes from — every source Python's huggingface_hub reads (`get_token()`), in its
 * order, after our own `--token`:
 *
 * 1. `--token` (the `token` option);
 * 2. `HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN` (the older name; read only when `HF_TOKEN` is unset or
 *    empty, exactly as `os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN")`);
 * 3. the token file `$HF_TOKEN_PATH` (default `$HF_HOME/token`, `~`/`$VAR` expanded) that `hf auth login`
 *    writes — unless `stored_tokens` beside it says that token expired (an OAuth login's `expires_at`):
 *    then no token is sent and the caller is told, so a public model still downloads.
 *
 * `HF_HUB_DISABLE_IMPLICIT_TOKEN=1` keeps 2 and 3 out, as in Python. Python's first source, an OIDC
 * exchange when `HF_OIDC_RESOURCE` is set (CI "trusted publishers"), and its Colab secret are not
 * available here; a warning says so when `HF_OIDC_RESOURCE` is set.
 */
import { readFileSync } from "node:fs";
import { systemErrorCode } from "../core/index.js";
import { hfImplicitTokenDisabled, hfStoredTokensPath, hfTokenPath } from "../config/index.js";
import { readStoredTokens } from "./stored-tokens.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Options of {@link resolveToken}. */
export interface ResolveTokenOptions {
  /** An explicit token (`--token`); wins over everything else. */
  token?: string | undefined;
  /** Environment to read; default `process.env`. */
  env?: Env | undefined;
  /** The time expiry is judged against (default now). */
  now?: Date | undefined;
}

/** Where the token in use came from. */
export type TokenSource = "option" | "HF_TOKEN" | "HUGGING_FACE_HUB_TOKEN" | "file" | "none";

/** A stored token that was not used because it expired. */
export interface ExpiredToken {
  /** Its name in `stored_tokens`. */
  name: string;
  expiresAt: Date;
  /** The token file it was read from. */
  path: string;
  /** It has a refresh token: any `hf` command (e.g. `hf auth whoami`) renews it. */
  refreshable: boolean;
}

/** The token to send and how it was found. */
export interface TokenInfo {
  token: string | undefined;
  source: TokenSource;
  /** The token file, when `source` is "file" (or when an expired one was skipped). */
  path?: string;
  /** Its name in `stored_tokens`, when listed there. */
  name?: string;
  /** Its expiry, when `stored_tokens` gives one. */
  expiresAt?: Date;
  /** Set when the token file holds an expired token, which is then not sent. */
  expired?: ExpiredToken;
  /** Things the user should hear about (an unreadable token file, HF_OIDC_RESOURCE). */
  warnings: string[];
}

/** huggingface_hub's `_clean_token`: no CR/LF, trimmed, empty → none. */
function clean(value: string | undefined): string | undefined {
  const token = value?.replace(/[\r\n]/g, "").trim();
  return token === undefined || token === "" ? undefined : token;
}

/** What to tell a user whose stored token expired. */
export function expiredTokenAdvice(expired: ExpiredToken): string {
  const when = expired.expiresAt.toISOString().replace(/\.\d+Z$/, "Z");
  return (
    `the Hugging Face token '${expired.name}' stored by \`hf auth login\` (${expired.path}) expired on ${when}; ` +
    (expired.refreshable
      ? "run `hf auth whoami` to let huggingface_hub renew it, or `hf auth login` to log in again"
      : "run `hf auth login` to log in again")
  );
}

/**
 * The token to send and where it came from.
 * @example resolveTokenInfo({ env: process.env }).source // "HF_TOKEN"
 */
export function resolveTokenInfo(options: ResolveTokenOptions = {}): TokenInfo {
  const env = options.env ?? process.env;
  const warnings: string[] = [];
  const explicit = clean(options.token);
  if (explicit !== undefined) return { token: explicit, source: "option", warnings };
  if (hfImplicitTokenDisabled(env)) return { token: undefined, source: "none", warnings };
  if (clean(env["HF_OIDC_RESOURCE"]) !== undefined)
    warnings.push(
      "HF_OIDC_RESOURCE is set, but atlas does not exchange OIDC tokens; set HF_TOKEN to the token to use",
    );
  const hfToken = env["HF_TOKEN"];
  const fromEnvName = hfToken !== undefined && hfToken !== "" ? "HF_TOKEN" : "HUGGING_FACE_HUB_TOKEN";
  const fromEnv = clean(env[fromEnvName]);
  if (fromEnv !== undefined) return { token: fromEnv, source: fromEnvName, warnings };
  const path = hfTokenPath(env);
  let fileToken: string | undefined;
  try {
    fileToken = clean(readFileSync(path, "utf8"));
  } catch (error) {
    const code = systemErrorCode(error);
    // No token file is the normal case for public models.
    if (code !== "ENOENT" && code !== "ENOTDIR")
      warnings.push(`cannot read the token file ${path} (${code ?? "error"}); continuing without a token`);
  }
  if (fileToken === undefined) return { token: undefined, source: "none", warnings };
  const stored = readStoredTokens(hfStoredTokensPath(env), (why) =>
    warnings.push(`ignoring stored_tokens: ${why}`),
  ).find((t) => t.token === fileToken);
  const now = options.now ?? new Date();
  if (stored?.expiresAt !== undefined && stored.expiresAt.getTime() <= now.getTime())
    return {
      token: undefined,
      source: "none",
      path,
      expired: { name: stored.name, expiresAt: stored.expiresAt, path, refreshable: stored.refreshable },
      warnings,
    };
  return {
    token: fileToken,
    source: "file",
    path,
    ...(stored === undefined ? {} : { name: stored.name }),
    ...(stored?.expiresAt === undefined ? {} : { expiresAt: stored.expiresAt }),
    warnings,
  };
}

/**
 * The hub access token to send, or `undefined` when none is configured (or the stored one expired).
 * See {@link resolveTokenInfo} for where it came from.
 */
export function resolveToken(options: ResolveTokenOptions = {}): string | undefined {
  return resolveTokenInfo(options).token;
}
