/** Puts a verified blob into `snapshots/<sha>/<path>` as Python does: a relative symlink. */
import { copyFile, symlink } from "node:fs/promises";
import { dirname, relative } from "node:path";
import { ioError, systemErrorCode, writeAtomically } from "../core/index.js";
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
  await writeAtomically(
    target,
    async (temp) => {
      try {
        try {
          await symlink(relative(dirname(target), blob), temp);
        } catch (error) {
          const code = systemErrorCode(error);
          if (code !== "EPERM" && code !== "EACCES" && code !== "ENOTSUP" && code !== "EINVAL") throw error;
          await copyFile(blob, temp);
        }
      } catch (error) {
        throw ioError("cannot link the snapshot file", target, error);
      }
    },
    { durable: false },
  );
  return target;
}
