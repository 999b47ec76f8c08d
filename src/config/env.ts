/**
 * Environment variables and default paths, read lazily (at call time, never at import time) so tests and
 * long-running servers see the current environment. `ENV_VARS` describes them all; `atlas env` prints it.
 */
import { homedir, availableParallelism } from "node:os";
import { join, resolve } from "node:path";

/** One documented environment variable. */
export interface EnvVarInfo {
  name: string;
  description: string;
  /** How the default is derived, in words. */
  default: string;
}

/** Every environment variable atlas-chat reads. */
export const ENV_VARS: readonly EnvVarInfo[] = [
  { name: "ATLAS_HOME", description: "atlas model store and state", default: "~/.atlas" },
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
  { name: "HF_HOME", description: "Hugging Face home (token, hub cache)", default: "~/.cache/huggingface" },
  { name: "HF_HUB_CACHE", description: "Hugging Face hub cache", default: "$HF_HOME/hub" },
  { name: "HF_ENDPOINT", description: "Hugging Face hub URL", default: "https://huggingface.co" },
  { name: "HF_TOKEN", description: "Hugging Face access token", default: "$HF_HOME/token if present" },
  { name: "HF_HUB_OFFLINE", description: "1 = use only the local cache, no network", default: "0" },
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

/** `$ATLAS_HOME`, default `~/.atlas`. */
export function atlasHome(env: Env = process.env): string {
  return resolve(nonEmpty(env["ATLAS_HOME"]) ?? join(homedir(), ".atlas"));
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

/** `$HF_HOME`, default `$XDG_CACHE_HOME/huggingface` or `~/.cache/huggingface`. */
export function hfHome(env: Env = process.env): string {
  const home = nonEmpty(env["HF_HOME"]);
  if (home !== undefined) return resolve(home);
  const xdg = nonEmpty(env["XDG_CACHE_HOME"]);
  return resolve(join(xdg ?? join(homedir(), ".cache"), "huggingface"));
}

/** Hub cache folder: `$HF_HUB_CACHE` → `$HUGGINGFACE_HUB_CACHE` → `$HF_HOME/hub`. */
export function hfHubCache(env: Env = process.env): string {
  const explicit = nonEmpty(env["HF_HUB_CACHE"]) ?? nonEmpty(env["HUGGINGFACE_HUB_CACHE"]);
  return explicit === undefined ? join(hfHome(env), "hub") : resolve(explicit);
}

/** Hub endpoint without a trailing slash. */
export function hfEndpoint(env: Env = process.env): string {
  return (nonEmpty(env["HF_ENDPOINT"]) ?? "https://huggingface.co").replace(/\/+$/, "");
}

/** `HF_HUB_OFFLINE=1|true|yes|on`. */
export function hfOffline(env: Env = process.env): boolean {
  const raw = nonEmpty(env["HF_HUB_OFFLINE"])?.toLowerCase();
  return raw === "1" || raw === "true" || raw === "yes" || raw === "on";
}

/** True when colours / progress bars should be off (`NO_COLOR`, see https://no-color.org). */
export function noColor(env: Env = process.env): boolean {
  return nonEmpty(env["NO_COLOR"]) !== undefined;
}
