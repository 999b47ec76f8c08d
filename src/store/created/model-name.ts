/**
 * Names of created models, with Ollama's grammar (types/model/name.go): `[namespace/]model[:tag]`, tag
 * `latest` and namespace `library` by default, compared without regard to case. Each part starts with a
 * letter, digit or `_` and holds letters, digits, `_`, `-` and `.` (a namespace no `.`), at most 80
 * characters — so a name is never a path (`/x`, `./x`, `~/x`, `..` cannot parse). Registry hosts
 * (`host/ns/model`) are refused: atlas has no registry.
 */
import { AtlasError } from "../../core/index.js";
import { isRepoId, resolveAlias } from "../../hub/index.js";

/** A parsed model name. */
export interface ModelName {
  /** `library` when none was given. */
  namespace: string;
  model: string;
  /** `latest` when none was given. */
  tag: string;
}

/** Ollama's default namespace and tag. */
export const DEFAULT_NAMESPACE = "library";
export const DEFAULT_TAG = "latest";

const MAX_PART = 80;

function validPart(part: string, namespace: boolean): boolean {
  if (part.length < 1 || part.length > MAX_PART) return false;
  if (!/^[A-Za-z0-9_]/.test(part)) return false;
  return namespace ? /^[A-Za-z0-9_-]+$/.test(part) : /^[A-Za-z0-9_.-]+$/.test(part);
}

/** Parses `text` as a model name; undefined when it is not one (a path, a registry name, bad characters). */
export function parseModelName(text: string): ModelName | undefined {
  let rest = text.trim();
  let tag = DEFAULT_TAG;
  if (rest.lastIndexOf(":") > rest.lastIndexOf("/")) {
    tag = rest.slice(rest.lastIndexOf(":") + 1);
    rest = rest.slice(0, rest.lastIndexOf(":"));
  }
  const parts = rest.split("/");
  if (parts.length > 2) return undefined;
  const [namespace, model] = parts.length === 2 ? [parts[0]!, parts[1]!] : [DEFAULT_NAMESPACE, parts[0]!];
  if (!validPart(namespace, true) || !validPart(model, false) || !validPart(tag, false)) return undefined;
  return { namespace, model, tag };
}

/**
 * Parses a name a model is to be created under.
 * @throws AtlasError BAD_ARGUMENT saying what a name may hold
 */
export function checkModelName(text: string): ModelName {
  const name = parseModelName(text);
  if (name === undefined)
    throw new AtlasError("BAD_ARGUMENT", `invalid model name '${text.slice(0, 100)}'`, {
      hint: "use [namespace/]name[:tag]: letters, digits, _, - and . (e.g. Atlas-Chat-2B, me/darija-tutor:v2)",
      details: { field: "model" },
    });
  return name;
}

/** How a name is shown: `Atlas-Chat-2B:latest`, `me/tutor:v2` (the default namespace left out). */
export function formatModelName(name: ModelName): string {
  const ns = name.namespace.toLowerCase() === DEFAULT_NAMESPACE ? "" : `${name.namespace}/`;
  return `${ns}${name.model}:${name.tag}`;
}

/** The case-insensitive identity of a name (`library/atlas-chat-2b:latest`). */
export function modelNameKey(name: ModelName): string {
  return `${name.namespace}/${name.model}:${name.tag}`.toLowerCase();
}

// Quant suffixes as people write them: q4_k_m, Q8_0, iq4_xs, f16, bf16, f32.
const QUANT_SUFFIX = /^(?:i?q\d(?:_[a-z0-9]+)*|f16|bf16|f32)$/i;

/**
 * The hub repo (and quant) a name stands for, if it names one — an alias (`atlas-chat:2b`) or `org/name`,
 * with an optional `:quant` — without ever reading it as a path.
 */
export function hubRepoOfName(text: string): { repo: string; quant: string | undefined } | undefined {
  let base = text.trim().replace(/:latest$/i, "");
  let quant: string | undefined;
  const colon = base.lastIndexOf(":");
  if (colon > 0 && QUANT_SUFFIX.test(base.slice(colon + 1))) {
    quant = base.slice(colon + 1).toLowerCase();
    base = base.slice(0, colon);
  }
  const repo = resolveAlias(base) ?? (isRepoId(base) ? base : undefined);
  return repo === undefined ? undefined : { repo, quant };
}
