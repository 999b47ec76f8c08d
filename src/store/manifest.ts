/**
 * `manifest.json` of one model commit in the store: which quants exist and what each was made from.
 * Read-modify-write happens under `.locks/manifest.lock` and the file is replaced atomically, so two
 * pulls of different quants of the same commit never lose each other's entry.
 */
import { readFile, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { errorMessage, ioError, systemErrorCode, withLock, writeFileAtomic } from "../core/index.js";
import { ggufNumber, parseOutputType, readGguf } from "../convert/index.js";
import { atlasVersion } from "./atlas-version.js";
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

/** What every store operation takes: where the store is, and where its warnings go. */
export interface StoreOptions {
  /** The store's root (default `$ATLAS_HOME`, else `~/.atlas`). */
  atlasHome?: string | undefined;
  /** Environment for the defaults (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * Called with each warning, e.g. a corrupt manifest that was rebuilt. Default: `process.emitWarning`
   * (never silent).
   */
  onWarning?: ((message: string) => void) | undefined;
}

function isEntry(value: unknown): value is ManifestQuant {
  if (typeof value !== "object" || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    typeof e["quant"] === "string" &&
    // A plain `<quant>.gguf` name: a manifest must never point outside its folder.
    typeof e["file"] === "string" &&
    /^[a-z0-9_]{1,32}\.gguf$/.test(e["file"]) &&
    typeof e["bytes"] === "number" &&
    typeof e["createdAt"] === "string" &&
    (e["source"] === "converted" || e["source"] === "gguf") &&
    typeof e["revision"] === "string" &&
    Array.isArray(e["sourceFiles"])
  );
}

/** Why `value` is not a manifest of `repo@sha`, or undefined when it is one. */
function manifestProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const m = value as Record<string, unknown>;
  if (typeof m["id"] !== "string" || typeof m["sha"] !== "string") return "no id or sha";
  if (!Array.isArray(m["revisions"])) return "no revisions list";
  const quants = m["quants"];
  if (typeof quants !== "object" || quants === null) return "no quants";
  for (const [name, entry] of Object.entries(quants))
    if (!isEntry(entry)) return `entry '${name}' is malformed`;
  return undefined;
}

type ManifestFile =
  { kind: "missing" } | { kind: "ok"; manifest: ModelManifest } | { kind: "corrupt"; reason: string };

async function readManifestFile(path: string): Promise<ManifestFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = systemErrorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return { kind: "missing" };
    throw ioError("cannot read the model manifest", path, error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { kind: "corrupt", reason: `not valid JSON: ${errorMessage(error)}` };
  }
  const problem = manifestProblem(parsed);
  return problem === undefined
    ? { kind: "ok", manifest: parsed as ModelManifest }
    : { kind: "corrupt", reason: problem };
}

/** Reads a manifest as it is; `undefined` when missing or corrupt (see {@link loadManifest} to recover). */
export async function readManifest(path: string): Promise<ModelManifest | undefined> {
  const file = await readManifestFile(path);
  return file.kind === "ok" ? file.manifest : undefined;
}

/** A manifest made from the `<quant>.gguf` files in `dir`, as far as their headers tell. */
async function rebuildManifest(dir: string, repo: string, sha: string): Promise<ModelManifest> {
  const quants: Record<string, ManifestQuant> = {};
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const file of names.filter((n) => /^[a-z0-9_]{1,32}\.gguf$/.test(n)).sort()) {
    const path = join(dir, file);
    let fileType: number | undefined;
    try {
      fileType = ggufNumber(await readGguf(path), "general.file_type");
    } catch {
      continue; // not a valid GGUF: nothing to recover it as
    }
    const info = await stat(path);
    const quant = file.slice(0, -".gguf".length);
    quants[quant] = {
      quant,
      file,
      bytes: info.size,
      createdAt: info.mtime.toISOString(),
      atlasVersion: atlasVersion(),
      source: parseOutputType(quant) === undefined ? "gguf" : "converted",
      revision: "",
      ...(fileType === undefined ? {} : { fileType }),
      sourceFiles: [],
    };
  }
  return { schema: MANIFEST_SCHEMA, id: repo, sha, revisions: [], quants };
}

/**
 * With the manifest lock held: a corrupt manifest is kept aside as `manifest.json.corrupt`, rebuilt
 * from the GGUF files present, and reported; never silently dropped (the GGUFs would be orphaned).
 */
async function readOrRecover(
  atlasHome: string,
  repo: string,
  sha: string,
  warnings: StoreOptions,
): Promise<ModelManifest | undefined> {
  const paths = storePaths(atlasHome);
  const path = paths.manifest(repo, sha);
  const file = await readManifestFile(path);
  if (file.kind !== "corrupt") return file.kind === "ok" ? file.manifest : undefined;
  const rebuilt = await rebuildManifest(paths.shaDir(repo, sha), repo, sha);
  const kept = `${path}.corrupt`;
  try {
    await rename(path, kept);
  } catch (error) {
    throw ioError("cannot move the corrupt manifest aside", path, error);
  }
  const count = Object.keys(rebuilt.quants).length;
  if (count > 0) await writeJsonAtomically(path, rebuilt);
  const warn = warnings.onWarning ?? ((message: string) => process.emitWarning(message));
  warn(
    `${path}: the manifest is corrupt (${file.reason}); ` +
      (count === 0
        ? "no GGUF file to recover was found"
        : `rebuilt it from the ${count === 1 ? "GGUF file" : `${count} GGUF files`} present (${Object.keys(rebuilt.quants).join(", ")})`) +
      ` — the damaged file was kept as ${basename(kept)}; \`atlas pull\` again restores the revision names`,
  );
  return count === 0 ? undefined : rebuilt;
}

/**
 * The manifest of `repo@sha`: `undefined` when there is none; a corrupt one is rebuilt from the GGUF
 * files present (under the manifest lock) and reported through `onWarning`.
 */
export async function loadManifest(
  atlasHome: string,
  repo: string,
  sha: string,
  warnings: StoreOptions = {},
): Promise<ModelManifest | undefined> {
  const paths = storePaths(atlasHome);
  const file = await readManifestFile(paths.manifest(repo, sha));
  if (file.kind !== "corrupt") return file.kind === "ok" ? file.manifest : undefined;
  return withLock(paths.manifestLock(repo, sha), MANIFEST_LOCK, () =>
    readOrRecover(atlasHome, repo, sha, warnings),
  );
}

const MANIFEST_LOCK = { timeoutMs: 60_000, purpose: "manifest update", pruneFolder: true };

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
  warnings: StoreOptions = {},
): Promise<ModelManifest | undefined> {
  const paths = storePaths(atlasHome);
  const path = paths.manifest(repo, sha);
  return withLock(paths.manifestLock(repo, sha), MANIFEST_LOCK, async () => {
    const current = await readOrRecover(atlasHome, repo, sha, warnings);
    const next = change(current);
    // Unchanged (the same object back): no write, so an up-to-date pull leaves the store untouched.
    if (next === current) return next;
    if (next === undefined) await rm(path, { force: true });
    else await writeJsonAtomically(path, next);
    return next;
  });
}
