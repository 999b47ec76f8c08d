/**
 * `manifest.json` of one model commit in the store: which quants exist and what each was made from.
 * Read-modify-write happens under `.locks/manifest.lock` and the file is replaced atomically, so two
 * pulls of different quants of the same commit never lose each other's entry.
 */
import { readFile, rm } from "node:fs/promises";
import { ioError, systemErrorCode, withLock, writeFileAtomic } from "../core/index.js";
import { storePaths } from "./store-layout.js";

/** Version of the manifest format. */
export const MANIFEST_SCHEMA = 1;

/** A file the model was made from. */
export interface ManifestSourceFile {
  path: string;
  /** sha256 (LFS) or git sha1 — the blob name in the HF cache. */
  etag: string;
  size: number;
}

/** One stored quantization. */
export interface ManifestQuant {
  quant: string;
  /** File name inside the commit folder (`<quant>.gguf`). */
  file: string;
  bytes: number;
  /** ISO time the file was stored. */
  createdAt: string;
  atlasVersion: string;
  /** "converted" from safetensors by atlas, or "gguf" downloaded as is (`--file`). */
  source: "converted" | "gguf";
  /** The revision asked for when it was pulled (branch, tag or sha). */
  revision: string;
  /** `general.file_type` of the GGUF, when known. */
  fileType?: number;
  sourceFiles: ManifestSourceFile[];
}

/** The manifest of `<org>/<name>/<sha>/`. */
export interface ModelManifest {
  schema: number;
  /** `org/name` */
  id: string;
  sha: string;
  /** Branch/tag names last seen pointing at this commit (a name moves to the newer commit on pull). */
  revisions: string[];
  quants: Record<string, ManifestQuant>;
}

function isManifest(value: unknown): value is ModelManifest {
  return (
    typeof value === "object" &&
    value !== null &&
    "id" in value &&
    typeof value.id === "string" &&
    "sha" in value &&
    typeof value.sha === "string" &&
    "quants" in value &&
    typeof value.quants === "object" &&
    value.quants !== null &&
    "revisions" in value &&
    Array.isArray(value.revisions)
  );
}

/** Reads a manifest; `undefined` when missing or unreadable (a broken manifest hides its entry, never crashes `list`). */
export async function readManifest(path: string): Promise<ModelManifest | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, "utf8"));
    return isManifest(parsed) ? parsed : undefined;
  } catch (error) {
    const code = systemErrorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR" || error instanceof SyntaxError) return undefined;
    throw ioError("cannot read the model manifest", path, error);
  }
}

/** Writes `value` as JSON to `path` atomically (temp file + rename). */
export async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Updates the manifest of `repo@sha` under its lock. `change` gets the current manifest (or undefined)
 * and returns the new one (the same object: nothing is written); returning `undefined` deletes the file.
 */
export async function updateManifest(
  atlasHome: string,
  repo: string,
  sha: string,
  change: (current: ModelManifest | undefined) => ModelManifest | undefined,
): Promise<ModelManifest | undefined> {
  const paths = storePaths(atlasHome);
  const path = paths.manifest(repo, sha);
  return withLock(
    paths.manifestLock(repo, sha),
    { timeoutMs: 60_000, purpose: "manifest update", pruneFolder: true },
    async () => {
      const current = await readManifest(path);
      const next = change(current);
      // Unchanged (the same object back): no write, so an up-to-date pull leaves the store untouched.
      if (next === current) return next;
      if (next === undefined) await rm(path, { force: true });
      else await writeJsonAtomically(path, next);
      return next;
    },
  );
}
