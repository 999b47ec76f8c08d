/** Hub repository ids (`org/name`) and the folder names Python's `huggingface_hub` derives from them. */
import { AtlasError } from "../core/index.js";

/** A validated `org/name` model id. */
export interface RepoId {
  /** `org/name`, as given (the hub treats ids case-insensitively but the cache folder keeps the case). */
  id: string;
  org: string;
  name: string;
}

// The hub's own rule (huggingface_hub `validate_repo_id`): word chars, `-`, `.`; no `--` or `..`;
// at most 96 characters per part; not ending in `.git`.
const PART = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,95}$/;

/**
 * Parses and validates `org/name`.
 * @throws AtlasError BAD_ARGUMENT when `text` is not a valid model id.
 * @example parseRepoId("MBZUAI-Paris/Atlas-Chat-2B") // { id, org: "MBZUAI-Paris", name: "Atlas-Chat-2B" }
 */
export function parseRepoId(text: string): RepoId {
  const parts = text.split("/");
  const [org, name] = parts;
  const valid =
    parts.length === 2 &&
    org !== undefined &&
    name !== undefined &&
    PART.test(org) &&
    PART.test(name) &&
    !text.includes("--") &&
    !text.includes("..") &&
    !name.endsWith(".git") &&
    !/[.-]$/.test(org) &&
    !/[.-]$/.test(name);
  if (!valid || org === undefined || name === undefined)
    throw new AtlasError("BAD_ARGUMENT", `'${text}' is not a model id`, {
      hint: "use org/name (e.g. MBZUAI-Paris/Atlas-Chat-2B) or an alias such as atlas-chat:2b",
    });
  return { id: `${org}/${name}`, org, name };
}

/** True when `text` looks like `org/name` (no exception). */
export function isRepoId(text: string): boolean {
  try {
    parseRepoId(text);
    return true;
  } catch {
    return false;
  }
}

/** The kinds of hub repositories we read: models (pull) and datasets (eval). */
export type RepoType = "model" | "dataset";

/** The cache folder of a repo, as Python names it: `models--org--name` (or `datasets--org--name`). */
export function repoFolderName(repo: string, type: RepoType = "model"): string {
  return `${type}s--${repo.split("/").join("--")}`;
}
