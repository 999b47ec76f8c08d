/** Puts a verified blob into `snapshots/<sha>/<path>` as Python does: a relative symlink. */
import { symlink } from "node:fs/promises";
import { dirname, relative } from "node:path";
import { linkAtomically } from "../core/index.js";
import type { RepoCachePaths } from "./cache-layout.js";

/**
 * Links `snapshots/<sha>/<path>` → `../../blobs/<etag>` (one more `../` per folder in `path`).
 * Replaces an existing entry atomically (symlink to a temp name, then rename). Where symlinks are not
 * allowed (Windows without developer mode) it copies the blob, like Python.
 */
export async function linkSnapshotFile(
  paths: RepoCachePaths,
  sha: string,
  path: string,
  etag: string,
): Promise<string> {
  const target = paths.snapshotFile(sha, path);
  const blob = paths.blob(etag);
  await linkAtomically(target, blob, {
    link: (temp) => symlink(relative(dirname(target), blob), temp),
    copyOn: ["EPERM", "EACCES", "ENOTSUP", "EINVAL"],
    action: "cannot link the snapshot file",
  });
  return target;
}
