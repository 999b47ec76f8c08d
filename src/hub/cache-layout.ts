/**
 * Paths of the Hugging Face hub cache, exactly as Python's `huggingface_hub` lays it out, so a model
 * downloaded by either is reused by the other:
 *
 *     <cache>/models--org--name/blobs/<etag>              file bytes (etag = sha256 for LFS, git sha1 else)
 *     <cache>/models--org--name/blobs/<etag>.incomplete   a download in progress (resumable)
 *     <cache>/models--org--name/snapshots/<sha>/<path>    relative symlink ../../blobs/<etag>
 *     <cache>/models--org--name/refs/<revision>           the commit sha a branch/tag pointed to
 *     <cache>/.locks/models--org--name/<etag>.lock        one writer per blob
 */
import { join } from "node:path";
import { AtlasError } from "../core/index.js";
import { repoFolderName, type RepoType } from "./repo-id.js";

/** Every path of one repo in the cache. */
export interface RepoCachePaths {
  cacheDir: string;
  /** `<cache>/models--org--name` */
  root: string;
  blobs: string;
  snapshots: string;
  refs: string;
  /** `<cache>/.locks/models--org--name` */
  locks: string;
  blob(etag: string): string;
  incomplete(etag: string): string;
  blobLock(etag: string): string;
  snapshotDir(sha: string): string;
  snapshotFile(sha: string, path: string): string;
  ref(revision: string): string;
}

/** The cache paths of `repo` (`org/name`) under `cacheDir`; datasets live in `datasets--org--name`. */
export function repoCachePaths(cacheDir: string, repo: string, type: RepoType = "model"): RepoCachePaths {
  const root = join(cacheDir, repoFolderName(repo, type));
  const blobs = join(root, "blobs");
  const snapshots = join(root, "snapshots");
  const refs = join(root, "refs");
  const locks = join(cacheDir, ".locks", repoFolderName(repo, type));
  return {
    cacheDir,
    root,
    blobs,
    snapshots,
    refs,
    locks,
    blob: (etag) => join(blobs, assertSafeName(etag, "etag")),
    incomplete: (etag) => join(blobs, `${assertSafeName(etag, "etag")}.incomplete`),
    blobLock: (etag) => join(locks, `${assertSafeName(etag, "etag")}.lock`),
    snapshotDir: (sha) => join(snapshots, assertSafeName(sha, "commit sha")),
    snapshotFile: (sha, path) => join(snapshots, assertSafeName(sha, "commit sha"), ...safeRepoPath(path)),
    ref: (revision) => join(refs, ...safeRepoPath(revision)),
  };
}

/** `"abc"`, `W/"abc"` → `abc` (the hub quotes ETags; Python strips the quotes the same way). */
export function normalizeEtag(raw: string | null | undefined): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  const value = raw
    .trim()
    .replace(/^W\//, "")
    .replace(/^"(.*)"$/, "$1");
  return value === "" ? undefined : value;
}

/** True for a full 40-hex-digit commit sha. */
export function isCommitSha(text: string): boolean {
  return /^[0-9a-f]{40}$/.test(text);
}

function assertSafeName(name: string, what: string): string {
  if (name === "" || name === "." || name === ".." || /[/\\\0]/.test(name))
    throw new AtlasError("INVALID_MODEL", `refusing unsafe ${what} '${name}' from the hub`);
  return name;
}

/**
 * Splits a repo-relative path (`original/params.json`, `refs/pr/1`) into safe segments. The listing
 * comes from a server, so it is untrusted: no absolute paths, `..`, backslashes or empty segments
 * (CWE-22, path traversal out of the cache).
 */
export function safeRepoPath(path: string): string[] {
  const segments = path.split("/");
  if (path.startsWith("/") || segments.some((s) => s === "" || s === "." || s === ".." || /[\\\0]/.test(s)))
    throw new AtlasError("INVALID_MODEL", `refusing unsafe file path '${path}' from the hub`);
  return segments;
}
