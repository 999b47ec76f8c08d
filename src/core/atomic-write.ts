/**
 * All-or-nothing files, the one helper every layer uses: work happens in a hidden temp file next to the
 * destination, which is fsynced and moved into place only when complete; on any error or abort the temp
 * file is removed, so a half-written file never appears under the destination name.
 *
 * Temp names carry this host and process id (`.<name>.atlas-tmp-<host>-<pid>-<random>`), so when a process
 * is killed outright (SIGKILL, power loss) the next atlas run writing into the same folder can tell its
 * leftovers from those of a live writer and remove them ({@link sweepStaleTemps}).
 */
import { createHash, randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { copyFile, link, mkdir, open, readdir, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { AtlasError, ioError, systemErrorCode } from "./errors.js";
import { onForcedExit } from "./exit-cleanup.js";
import { isDeadLock, pidAlive } from "./lock-file.js";

/** A short tag of this host, so temp files on a shared file system are only swept by their own host. */
const HOST_TAG = createHash("sha256").update(hostname()).digest("hex").slice(0, 6);

/** `<host>-<pid>-<random>`: who made a temp file or folder. */
function ownerTag(): string {
  return `${HOST_TAG}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** Matches the names this module makes; group 1 is the host tag, group 2 the pid. */
const TEMP_NAME = /(?:\.atlas-tmp-|^\.atlas-work-)([0-9a-f]{6})-(\d+)-[0-9a-f]{8}$/;

/**
 * `mkdir -p` whose errors say what really failed. Node's recursive mkdir reports ENOENT when a missing
 * level cannot be created (on a read-only file system, say), so on ENOENT the first missing level is
 * created on its own to get the real reason (EROFS, EACCES…).
 * @throws AtlasError IO (NOT_FOUND for a genuine ENOENT) naming `what`
 */
export async function makeFolder(folder: string, what = "cannot create the folder"): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    if (systemErrorCode(error) !== "ENOENT") throw ioError(what, folder, error);
    let missing = folder;
    while (dirname(missing) !== missing && !(await exists(dirname(missing)))) missing = dirname(missing);
    try {
      await mkdir(missing);
      await mkdir(folder, { recursive: true });
    } catch (inner) {
      throw ioError(what, folder, inner);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The temp path used for `finalPath`: `.<name>.atlas-tmp-<host>-<pid>-<random>` in the same folder. */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.atlas-tmp-${ownerTag()}`);
}

/**
 * Creates a hidden work folder `.atlas-work-<host>-<pid>-<random>` in `parent` (for intermediate files
 * too big for memory). The caller removes it; {@link sweepStaleTemps} removes those of dead processes.
 */
export async function makeWorkFolder(parent: string): Promise<string> {
  await makeFolder(parent, "cannot create the temp folder");
  const folder = join(parent, `.atlas-work-${ownerTag()}`);
  try {
    await mkdir(folder);
  } catch (error) {
    throw ioError("cannot create the temp folder", parent, error);
  }
  return folder;
}

/**
 * Removes temp files, work folders and `*.atlas-lock` files in `folder` left by processes of this host
 * that no longer run. Best effort: anything it cannot read or remove is left alone.
 * @returns the paths removed
 */
export async function sweepStaleTemps(folder: string): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const path = join(folder, name);
    const match = TEMP_NAME.exec(name);
    const stale =
      match === null
        ? name.endsWith(".atlas-lock") && (await isDeadLock(path))
        : match[1] === HOST_TAG && !pidAlive(Number(match[2]));
    if (!stale) continue;
    try {
      await rm(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // Someone else's file, or already gone: leave it.
    }
  }
  return removed;
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

/** Options of {@link writeAtomically}. */
export interface AtomicWriteOptions {
  /**
   * Replace a file already at the destination (default true). With false, a file that appears there while
   * the temp file is written wins: the write fails with BAD_ARGUMENT and the temp file is removed.
   */
  overwrite?: boolean;
  /** fsync the file and its folder before and after the move (default true; off for small caches). */
  durable?: boolean;
}

/** Moves `temp` to `finalPath`; without `overwrite`, only if nothing is there (link + unlink). */
async function moveIntoPlace(temp: string, finalPath: string, overwrite: boolean): Promise<void> {
  try {
    if (overwrite) {
      await rename(temp, finalPath);
      return;
    }
    await link(temp, finalPath);
  } catch (error) {
    if (!overwrite && systemErrorCode(error) === "EEXIST")
      throw new AtlasError("BAD_ARGUMENT", "already exists (written meanwhile by another process)", {
        where: finalPath,
        hint: "choose another output path, or replace it (--force)",
        cause: error,
      });
    throw ioError("cannot move the finished file into place", finalPath, error);
  }
  await unlink(temp).catch(() => undefined);
}

/**
 * Runs `write(tempPath)`, which must create and fully write the temp file, then fsyncs it and moves it to
 * `finalPath`. Creates the destination folder when missing. The temp file is removed on any failure,
 * and also when the process is forced to exit meanwhile (see exit-cleanup.ts).
 * @returns what `write` returned
 * @example
 * await writeAtomically("/models/m.gguf", (temp) => writeGguf(temp, …));
 */
export async function writeAtomically<T>(
  finalPath: string,
  write: (tempPath: string) => Promise<T>,
  options: AtomicWriteOptions = {},
): Promise<T> {
  const folder = dirname(finalPath);
  const durable = options.durable ?? true;
  await makeFolder(folder, "cannot create the output folder");
  const temp = tempPathFor(finalPath);
  const unregister = onForcedExit(() => rmSync(temp, { force: true }));
  try {
    const result = await write(temp);
    if (durable) await fsyncPath(temp);
    await moveIntoPlace(temp, finalPath, options.overwrite ?? true);
    if (durable) await fsyncPath(folder, true);
    return result;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    unregister();
  }
}

/** Writes `data` to `path` atomically (see {@link writeAtomically}); failures are IO errors naming `path`. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await writeAtomically(
    path,
    async (temp) => {
      try {
        await writeFile(temp, data);
      } catch (error) {
        throw ioError("cannot write", path, error);
      }
    },
    options,
  );
}

/** How {@link linkAtomically} links, and when it may copy instead. */
export interface LinkPlan {
  /** Makes the link at the temp path: a hard link, or a symlink. */
  link: (tempPath: string) => Promise<void>;
  /** Error codes meaning "no links here" (EXDEV, EPERM…): then `source` is copied. */
  copyOn: readonly string[];
  /** For the error message, e.g. "cannot store the GGUF file". */
  action: string;
}

/**
 * Puts a link to `source` at `target` atomically (replacing what is there); where the file system
 * refuses links, a copy of `source`. Not fsynced: the source itself is the durable copy.
 */
export async function linkAtomically(target: string, source: string, plan: LinkPlan): Promise<void> {
  await writeAtomically(
    target,
    async (temp) => {
      try {
        try {
          await plan.link(temp);
        } catch (error) {
          if (!plan.copyOn.includes(systemErrorCode(error) ?? "")) throw error;
          await copyFile(source, temp);
        }
      } catch (error) {
        throw ioError(plan.action, target, error);
      }
    },
    { durable: false },
  );
}
