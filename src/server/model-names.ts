/**
 * Model names as HTTP clients send them. A name is only ever looked up — among the models given to
 * `atlas serve --model`, the names made with `/api/copy`, and the store — and never used as a path: it
 * must look like `name[:tag]` or `org/name[:quant]`, so `../x`, `/etc/passwd` or `C:\x` are refused
 * before anything touches the file system.
 */
import { AtlasError } from "../core/index.js";
import { isRepoId, resolveAlias } from "../hub/index.js";
import type { StoredModel } from "../store/index.js";
import { DEFAULT_QUANT } from "../store/index.js";

/** Longest accepted model name. */
export const MAX_MODEL_NAME_CHARS = 256;

const SEGMENT = "[A-Za-z0-9][A-Za-z0-9._-]*";
const NAME_PATTERN = new RegExp(`^${SEGMENT}(?:/${SEGMENT})?(?::${SEGMENT}){0,2}$`);
// Quant suffixes as people write them: q4_k_m, Q8_0, iq4_xs, f16, bf16, f32.
const QUANT_SUFFIX = /^(?:i?q\d(?:_[a-z0-9]+)*|f16|bf16|f32)$/i;

/**
 * Checks a model name from a request.
 * @param field the wire field it came from (`model`, `name`, `destination`)
 * @throws AtlasError BAD_ARGUMENT for anything that is not a plain name
 */
export function checkModelName(value: unknown, field = "model"): string {
  if (value === undefined || value === null || value === "")
    throw new AtlasError("BAD_ARGUMENT", `${field} is required`, { details: { field } });
  if (typeof value !== "string")
    throw new AtlasError("BAD_ARGUMENT", `${field} must be a model name (text)`, { details: { field } });
  const name = value.trim();
  if (name.length > MAX_MODEL_NAME_CHARS || !NAME_PATTERN.test(name) || name.includes(".."))
    throw new AtlasError("BAD_ARGUMENT", `invalid model name '${name.slice(0, 80)}'`, {
      hint: "use a name from /api/tags, e.g. atlas-chat:2b or MBZUAI-Paris/Atlas-Chat-2B:q8_0",
      details: { field },
    });
  return name;
}

/** Ollama adds `:latest` to a name without a tag; `x` and `x:latest` are the same model. */
export function sameName(a: string, b: string): boolean {
  const norm = (n: string): string => n.toLowerCase().replace(/:latest$/, "");
  return norm(a) === norm(b);
}

/** The hub repo and quant a name stands for, if it names one (`atlas-chat:2b`, `org/name:q8_0`). */
export function hubNameParts(name: string): { repo: string; quant: string | undefined } | undefined {
  let base = name.replace(/:latest$/i, "");
  let quant: string | undefined;
  const colon = base.lastIndexOf(":");
  if (colon > 0 && QUANT_SUFFIX.test(base.slice(colon + 1))) {
    quant = base.slice(colon + 1).toLowerCase();
    base = base.slice(0, colon);
  }
  const repo = resolveAlias(base) ?? (isRepoId(base) ? base : undefined);
  return repo === undefined ? undefined : { repo, quant };
}

/** The name a stored model is listed under: `org/name:quant`. */
export function storedModelName(model: StoredModel): string {
  return `${model.id}:${model.quant}`;
}

/**
 * The stored model a name picks: the requested quant, else the default quant, else the newest of any
 * (the same choice `atlas run` makes); `undefined` when none is stored.
 */
export function pickStoredModel(stored: readonly StoredModel[], name: string): StoredModel | undefined {
  const parts = hubNameParts(name);
  if (parts === undefined) return undefined;
  const candidates = stored.filter((m) => m.id.toLowerCase() === parts.repo.toLowerCase());
  if (parts.quant !== undefined) return candidates.find((m) => m.quant === parts.quant);
  return candidates.find((m) => m.quant === DEFAULT_QUANT) ?? candidates[0];
}

/** NOT_FOUND for a model name, telling how to get it. */
export function modelNotFound(name: string): AtlasError {
  return new AtlasError("NOT_FOUND", `model '${name}' not found`, {
    hint:
      hubNameParts(name) === undefined
        ? "see /api/tags for the models this server has"
        : `run \`atlas pull ${name}\` (or POST /api/pull) first`,
    details: { field: "model" },
  });
}
