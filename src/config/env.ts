/**
 * Environment variables and default paths, read lazily (at call time, never at import time) so tests and
 * long-running servers see the current environment. `ENV_VARS` describes them all; `atlas env` prints it.
 */
import { homedir, availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { expandPath } from "./expand-path.js";

/** One documented environment variable. */
export interface EnvVarInfo {
  name: string;
  description: string;
  /** How the default is derived, in words. */
  default: string;
}

/** Every environment variable atlas-chat reads. */
export const ENV_VARS: readonly EnvVarInfo[] = [
  {
    name: "ATLAS_HOME",
    description: "atlas model store and state (`~` and `$VAR` are expanded)",
    default: "~/.atlas",
  },
  {
    name: "ATLAS_MODEL",
    description: "model of the task commands when --model is not given",
    default: "atlas-chat:2b",
  },
  { name: "ATLAS_THREADS", description: "CPU threads for llama.cpp", default: "number of CPU cores" },
  {
    name: "ATLAS_LLAMA_LIB_DIR",
    description: "folder holding libllama*.so to use instead of the prebuilt @node-llama-cpp/<platform> one",
    default: "the @node-llama-cpp/<platform> package",
  },
  {
    name: "ATLAS_READ_TIMEOUT",
    description: "seconds a download may receive nothing before it is dropped and resumed",
    default: "30",
  },
  {
    name: "ATLAS_HOST",
    description: "address of `atlas serve`: host, host:port or :port (like OLLAMA_HOST)",
    default: "127.0.0.1:11434",
  },
  {
    name: "ATLAS_API_KEY",
    description: "API key `atlas serve` requires (Authorization: Bearer), instead of --api-key",
    default: "unset (none)",
  },
  {
    name: "ATLAS_UPSTREAM_API_KEY",
    description: "API key sent to the server behind `atlas serve --upstream`",
    default: "unset (none)",
  },
  {
    name: "HF_HOME",
    description: "Hugging Face home (token, hub cache); `~` and `$VAR` are expanded as Python does",
    default: "$XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface",
  },
  {
    name: "HF_HUB_CACHE",
    description: "Hugging Face hub cache (`~`/`$VAR` expanded)",
    default: "$HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub",
  },
  { name: "HF_ENDPOINT", description: "Hugging Face hub URL", default: "https://huggingface.co" },
  {
    name: "HF_TOKEN",
    description: "Hugging Face access token (wins over the token file)",
    default: "$HUGGING_FACE_HUB_TOKEN, else the file $HF_TOKEN_PATH",
  },
  {
    name: "HUGGING_FACE_HUB_TOKEN",
    description: "older name of HF_TOKEN, read when HF_TOKEN is unset",
    default: "unset",
  },
  {
    name: "HF_TOKEN_PATH",
    description: "the token file `hf auth login` writes (`~`/`$VAR` expanded); stored_tokens sits beside it",
    default: "$HF_HOME/token",
  },
  {
    name: "HF_HUB_DISABLE_IMPLICIT_TOKEN",
    description: "1 = send a token only when given with --token (never HF_TOKEN or the token file)",
    default: "0",
  },
  {
    name: "HF_HUB_OFFLINE",
    description: "1 = use only the local caches, no network",
    default: "$TRANSFORMERS_OFFLINE, else 0",
  },
  {
    name: "TRANSFORMERS_OFFLINE",
    description: "read as HF_HUB_OFFLINE when HF_HUB_OFFLINE is unset (as huggingface_hub does)",
    default: "0",
  },
  {
    name: "HTTPS_PROXY",
    description: "proxy for https:// hub and download URLs (https_proxy wins; credentials are never shown)",
    default: "$ALL_PROXY, else none",
  },
  {
    name: "HTTP_PROXY",
    description: "proxy for http:// URLs (a mirror on plain HTTP); not used for https://, as in Python",
    default: "$ALL_PROXY, else none",
  },
  {
    name: "ALL_PROXY",
    description: "proxy for both when the scheme's own variable is unset",
    default: "none",
  },
  {
    name: "NO_PROXY",
    description: "hosts reached directly: `host`, `.domain` (subdomains), `host:port`, IPs, CIDRs, `*` = all",
    default: "none",
  },
  {
    name: "SSL_CERT_FILE",
    description:
      "CA bundle (PEM) to trust for hub connections instead of the built-in one (TLS-inspecting proxies)",
    default: "Node's CA store (+ NODE_EXTRA_CA_CERTS)",
  },
  {
    name: "SSL_CERT_DIR",
    description: "folder of CA certificates (PEM), used when SSL_CERT_FILE is unset",
    default: "unset",
  },
  { name: "ATLAS_BIDI", description: "default of --bidi (auto, on, off)", default: "auto" },
  {
    name: "OPENAI_API_KEY",
    description: "key sent to an OpenAI-compatible server (atlas eval --backend openai:…)",
    default: "unset",
  },
  { name: "ATLAS_DEBUG", description: "print the underlying cause of errors", default: "unset" },
  { name: "NO_COLOR", description: "disable colours and progress bars", default: "unset" },
];

type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

/** The user's home as Python's `expanduser("~")` sees it: `$HOME` (`%USERPROFILE%` on Windows), else the account's. */
function userHome(env: Env): string {
  return nonEmpty(env[process.platform === "win32" ? "USERPROFILE" : "HOME"]) ?? homedir();
}

/** A path variable's value with `~` and `$VAR` expanded (as `huggingface_hub` does), made absolute. */
function pathVar(value: string, env: Env): string {
  return resolve(expandPath(value, env));
}

/** `$ATLAS_HOME` (`~`/`$VAR` expanded), default `~/.atlas`. */
export function atlasHome(env: Env = process.env): string {
  const explicit = nonEmpty(env["ATLAS_HOME"]);
  return explicit === undefined ? join(userHome(env), ".atlas") : pathVar(explicit, env);
}

/** Threads for llama.cpp: `$ATLAS_THREADS` or the number of cores (node-llama-cpp would pick 4 on 2 cores). */
export function defaultThreads(env: Env = process.env): number {
  const raw = nonEmpty(env["ATLAS_THREADS"]);
  const parsed = raw === undefined ? NaN : Number.parseInt(raw, 10);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : Math.max(1, availableParallelism());
}

/** `$ATLAS_HOST` when set (host, host:port or :port; parsed by `atlas serve`). */
export function atlasHostFromEnv(env: Env = process.env): string | undefined {
  return nonEmpty(env["ATLAS_HOST"]);
}

/** `$ATLAS_LLAMA_LIB_DIR` when set. */
export function llamaLibDirOverride(env: Env = process.env): string | undefined {
  return nonEmpty(env["ATLAS_LLAMA_LIB_DIR"]);
}

/** Default of `ATLAS_READ_TIMEOUT`, in seconds. */
const DEFAULT_READ_TIMEOUT_S = 30;

/** `$ATLAS_READ_TIMEOUT` (seconds, may be fractional) in milliseconds; default 30 s. */
export function readTimeoutMs(env: Env = process.env): number {
  const raw = nonEmpty(env["ATLAS_READ_TIMEOUT"]);
  const seconds = raw === undefined ? NaN : Number(raw);
  return Math.round((Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_READ_TIMEOUT_S) * 1000);
}

/**
 * `$HF_HOME`, default `$XDG_CACHE_HOME/huggingface` or `~/.cache/huggingface`; `~` and `$VAR` expanded
 * in whichever applies, as `huggingface_hub.constants.HF_HOME`.
 */
export function hfHome(env: Env = process.env): string {
  const home = nonEmpty(env["HF_HOME"]);
  if (home !== undefined) return pathVar(home, env);
  const xdg = nonEmpty(env["XDG_CACHE_HOME"]);
  return pathVar(join(xdg ?? join(userHome(env), ".cache"), "huggingface"), env);
}

/** Hub cache folder: `$HF_HUB_CACHE` → `$HUGGINGFACE_HUB_CACHE` → `$HF_HOME/hub` (`~`/`$VAR` expanded). */
export function hfHubCache(env: Env = process.env): string {
  const explicit = nonEmpty(env["HF_HUB_CACHE"]) ?? nonEmpty(env["HUGGINGFACE_HUB_CACHE"]);
  return explicit === undefined ? join(hfHome(env), "hub") : pathVar(explicit, env);
}

/** The token file `hf auth login` writes: `$HF_TOKEN_PATH` (`~`/`$VAR` expanded), default `$HF_HOME/token`. */
export function hfTokenPath(env: Env = process.env): string {
  const explicit = nonEmpty(env["HF_TOKEN_PATH"]);
  return explicit === undefined ? join(hfHome(env), "token") : pathVar(explicit, env);
}

/** `stored_tokens` (the INI file of named tokens `hf auth login` keeps), beside the token file. */
export function hfStoredTokensPath(env: Env = process.env): string {
  return join(dirname(hfTokenPath(env)), "stored_tokens");
}

/** `HF_HUB_DISABLE_IMPLICIT_TOKEN`: send a token only when one is given explicitly. */
export function hfImplicitTokenDisabled(env: Env = process.env): boolean {
  return isTrue(env["HF_HUB_DISABLE_IMPLICIT_TOKEN"]);
}

/** Hub endpoint without a trailing slash. */
export function hfEndpoint(env: Env = process.env): string {
  return (nonEmpty(env["HF_ENDPOINT"]) ?? "https://huggingface.co").replace(/\/+$/, "");
}

/** huggingface_hub's `_is_true`: 1, ON, YES, TRUE in any case. */
function isTrue(value: string | undefined): boolean {
  return ["1", "ON", "YES", "TRUE"].includes(value?.trim().toUpperCase() ?? "");
}

/**
 * Offline mode: `HF_HUB_OFFLINE`, or `TRANSFORMERS_OFFLINE` when that is unset or empty (Python reads
 * `HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE`), true for 1/on/yes/true.
 */
export function hfOffline(env: Env = process.env): boolean {
  return isTrue(nonEmpty(env["HF_HUB_OFFLINE"]) ?? env["TRANSFORMERS_OFFLINE"]);
}

/** Proxy settings as read from the environment, with the variable each one came from. */
export interface ProxyEnv {
  /** For http:// URLs. */
  http?: { url: string; variable: string };
  /** For https:// URLs. */
  https?: { url: string; variable: string };
  /** For both when the scheme's own is unset. */
  all?: { url: string; variable: string };
  /** The `NO_PROXY` list as written. */
  no?: { url: string; variable: string };
}

/**
 * The proxy variables, read with the rules of Python's `urllib.request.getproxies()` (which httpx, and so
 * huggingface_hub, uses): `<scheme>_proxy` in any case, the lower-case spelling winning (an empty
 * lower-case one unsets the other), and `HTTP_PROXY` ignored when `REQUEST_METHOD` says we run as CGI
 * (httpoxy, CVE-2016-1000110).
 */
export function proxyEnv(env: Env = process.env): ProxyEnv {
  const found = new Map<string, { url: string; variable: string }>();
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && value !== "" && name.toLowerCase().endsWith("_proxy"))
      found.set(name.slice(0, -6).toLowerCase(), { url: value, variable: name });
  if (env["REQUEST_METHOD"] !== undefined) found.delete("http");
  for (const [name, value] of Object.entries(env)) {
    if (!name.endsWith("_proxy")) continue;
    const scheme = name.slice(0, -6).toLowerCase();
    if (value !== undefined && value !== "") found.set(scheme, { url: value, variable: name });
    else found.delete(scheme);
  }
  const result: ProxyEnv = {};
  for (const key of ["http", "https", "all", "no"] as const) {
    const entry = found.get(key);
    if (entry !== undefined) result[key] = entry;
  }
  return result;
}

/** `SSL_CERT_FILE` / `SSL_CERT_DIR` (expanded) when set: the CAs to trust instead of Node's own. */
export function caOverride(env: Env = process.env): { file: string } | { dir: string } | undefined {
  const file = nonEmpty(env["SSL_CERT_FILE"]);
  if (file !== undefined) return { file: pathVar(file, env) };
  const dir = nonEmpty(env["SSL_CERT_DIR"]);
  return dir === undefined ? undefined : { dir: pathVar(dir, env) };
}

/** True when colours / progress bars should be off (`NO_COLOR`, see https://no-color.org). */
export function noColor(env: Env = process.env): boolean {
  return nonEmpty(env["NO_COLOR"]) !== undefined;
}
