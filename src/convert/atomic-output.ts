/**
 * All-or-nothing output files: work happens in a hidden temp file next to the destination, which is
 * fsynced and renamed into place only when complete; on any error or abort the temp file is removed, so
 * a half-written GGUF never appears under the destination name.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ioError, onForcedExit } from "../core/index.js";

/** The temp path used for `finalPath`: `.<name>.atlas-tmp-<random>` in the same folder. */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.atlas-tmp-${randomBytes(4).toString("hex")}`);
}

/** fsyncs a file (or, best-effort, a folder) by path. */
async function fsyncPath(path: string, isFolder = false): Promise<void> {
  let handle;
  try {
    handle = await open(path, "r");
    await handle.sync();
  } catch (error) {
    if (!isFolder) throw ioError("cannot flush", path, error);
  } finally {
    await handle?.close();
  }
}

/**
 * Runs `write(tempPath)`, which must create and fully write the temp file, then fsyncs it and renames it
 * to `finalPath` (replacing any existing file). Creates the destination folder when missing.
 * @returns what `write` returned
 */
export async function writeAtomically<T>(
  finalPath: string,
  write: (tempPath: string) => Promise<T>,
): Promise<T> {
  const folder = dirname(finalPath);
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw ioError("cannot create the output folder", folder, error);
  }
  const temp = tempPathFor(finalPath);
  const unregister = onForcedExit(() => rmSync(temp, { force: true }));
  try {
    const result = await write(temp);
    await fsyncPath(temp);
    try {
      await rename(temp, finalPath);
    } catch (error) {
      throw ioError("cannot move the finished file into place", finalPath, error);
    }
    await fsyncPath(folder, true);
    return result;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    unregister();
  }
}
