/**
 * Cross-process lock files: one writer per blob (and per converted model in the store).
 *
 * The lock is a file created atomically (written to a temp name, then hard-linked into place, so a
 * reader never sees it half-written) holding the owner's pid, host and a random token. A holder touches
 * it every `staleMs / 4`; a lock whose owner is dead (same host) or whose heartbeat stopped is taken
 * over. Python's `filelock` leaves empty `.lock` files behind in `<cache>/.locks/`: an unreadable lock
 * older than a moment is treated as free (atlas does not take Python's flock; the content-addressed blob
 * and its final atomic rename keep the cache correct even then).
 *
 * With `pruneFolder`, releasing the last lock of a dedicated lock folder (`.locks/`) removes the folder,
 * so failed work leaves no empty folders behind; a process that finds the folder gone while taking a
 * lock creates it again.
 *
 * Lives in core because the hub (blob downloads) and the store (conversions, manifests) both lock.
 */
import { hostname } from "node:os";
import { dirname } from "node:path";
import { randomBytes } from "node:crypto";
import {
  link,
  lstat,
  mkdir,
  open,
  readFile,
  rename,
  rm,
  rmdir,
  unlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { readFileSync, unlinkSync } from "node:fs";
import { AtlasError, ioError, systemErrorCode } from "./errors.js";
import { onForcedExit } from "./exit-cleanup.js";

/** What a lock file says about its owner. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  createdAt: string;
  /** What the owner is doing, e.g. "download of model.safetensors". */
  purpose?: string;
  token: string;
}

/** Options of {@link acquireLock}. */
export interface LockOptions {
  /** Give up with BUSY after waiting this long (default 30 min: another process may be downloading GBs). */
  timeoutMs?: number;
  /** How often to look again while waiting (default 250 ms). */
  pollMs?: number;
  /** A lock not touched for this long is stale (default 60 s; holders touch it every staleMs/4). */
  staleMs?: number;
  signal?: AbortSignal | undefined;
  /** Written into the lock and shown to whoever waits for it. */
  purpose?: string;
  /** Called once, when the lock is found held and we start waiting. */
  onWait?: (holder: LockHolder | undefined) => void;
  /** Remove the lock's folder on release when no other lock is left in it (default false). */
  pruneFolder?: boolean;
}

/** A held lock. */
export interface FileLock {
  path: string;
  /** Removes the lock (only if it is still ours). Safe to call twice. */
  release(): Promise<void>;
}

const FOREIGN_GRACE_MS = 2000;

/** True when process `pid` exists on this host (EPERM: it exists but belongs to someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return systemErrorCode(error) === "EPERM";
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (
      typeof value === "object" &&
      value !== null &&
      "pid" in value &&
      typeof value.pid === "number" &&
      "host" in value &&
      typeof value.host === "string" &&
      "token" in value &&
      typeof value.token === "string"
    )
      return value as LockHolder;
  } catch {
    // Not ours (e.g. Python's empty lock file).
  }
  return undefined;
}

async function tryCreate(path: string, content: string): Promise<boolean> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temp, content);
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    const code = systemErrorCode(error);
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS" && code !== "EXDEV") throw error;
    // File systems without hard links: O_EXCL create (a reader may briefly see it empty; see grace).
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(content);
      await handle.close();
      return true;
    } catch (inner) {
      if (systemErrorCode(inner) === "EEXIST") return false;
      throw inner;
    }
  } finally {
    await rm(temp, { force: true });
  }
}

interface LockState {
  holder: LockHolder | undefined;
  stale: boolean;
  ino: number;
}

async function inspect(path: string, staleMs: number): Promise<LockState | undefined> {
  let stats;
  let text;
  try {
    stats = await lstat(path);
    text = await readFile(path, "utf8");
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return undefined;
    throw error;
  }
  const age = Date.now() - stats.mtimeMs;
  const holder = parseHolder(text);
  if (holder === undefined) return { holder, stale: age > FOREIGN_GRACE_MS, ino: stats.ino };
  const deadHere = holder.host === hostname() && !pidAlive(holder.pid);
  return { holder, stale: deadHere || age > staleMs, ino: stats.ino };
}

/**
 * True when the lock file at `path` was left by a process of this host that no longer runs (so it
 * may be deleted outright, e.g. when sweeping a folder).
 */
export async function isDeadLock(path: string): Promise<boolean> {
  const holder = parseHolder(await readFile(path, "utf8").catch(() => ""));
  return holder !== undefined && holder.host === hostname() && !pidAlive(holder.pid);
}

/** Moves a stale lock out of the way, making sure it is still the one we judged stale. */
async function takeOver(path: string, judged: LockState): Promise<void> {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.stale`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return;
    throw error;
  }
  const moved = await lstat(aside);
  if (moved.ino !== judged.ino) {
    // Someone replaced the stale lock between our look and the rename: give theirs back.
    await link(aside, path).catch(() => undefined);
  }
  await rm(aside, { force: true });
}

/** Waits `ms`, or rejects with ABORTED as soon as `signal` fires. */
function pause(ms: number, path: string, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = (): AtlasError =>
      new AtlasError("ABORTED", "cancelled while waiting for a lock", { where: path, cause: signal?.reason });
    if (signal?.aborted === true) {
      reject(aborted());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(aborted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Takes the lock at `path`, waiting while another live process holds it.
 * @throws AtlasError BUSY after `timeoutMs`; ABORTED when `signal` fires.
 * @example
 * const lock = await acquireLock(paths.blobLock(etag), { purpose: "download of config.json" });
 * try { … } finally { await lock.release(); }
 */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<FileLock> {
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const pollMs = options.pollMs ?? 250;
  const staleMs = options.staleMs ?? 60_000;
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    createdAt: new Date().toISOString(),
    ...(options.purpose === undefined ? {} : { purpose: options.purpose }),
    token: randomBytes(8).toString("hex"),
  };
  const deadline = Date.now() + timeoutMs;
  let waited = false;
  try {
    for (;;) {
      await mkdir(dirname(path), { recursive: true });
      let created: boolean;
      try {
        created = await tryCreate(path, JSON.stringify(me));
      } catch (error) {
        // Another process released the folder's last lock and removed the folder: make it again.
        if (systemErrorCode(error) === "ENOENT") continue;
        throw error;
      }
      if (created) break;
      const state = await inspect(path, staleMs);
      if (state === undefined) continue;
      if (state.stale) {
        await takeOver(path, state);
        continue;
      }
      if (Date.now() >= deadline) {
        const who = state.holder;
        throw new AtlasError(
          "BUSY",
          who === undefined
            ? "locked by another program"
            : `locked by process ${who.pid} on ${who.host} since ${who.createdAt}${who.purpose === undefined ? "" : ` (${who.purpose})`}`,
          {
            where: path,
            hint: "wait for the other atlas command to finish, or delete the lock file if that process is gone",
          },
        );
      }
      if (!waited) options.onWait?.(state.holder);
      waited = true;
      await pause(Math.min(pollMs, Math.max(1, deadline - Date.now())), path, options.signal);
    }
  } catch (error) {
    if (error instanceof AtlasError) throw error;
    throw ioError("cannot take the lock", path, error);
  }
  // A forced exit (a second Ctrl-C) removes the lock at once rather than leaving it to go stale.
  const unregister = onForcedExit(() => {
    if (parseHolder(readFileSync(path, "utf8"))?.token === me.token) unlinkSync(path);
  });
  const heartbeat = setInterval(
    () => {
      const now = new Date();
      utimes(path, now, now).catch(() => undefined);
    },
    Math.max(50, staleMs / 4),
  );
  heartbeat.unref();
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      unregister();
      const current = await readFile(path, "utf8").catch(() => "");
      // After a takeover (we were judged stale) the file belongs to someone else: leave it.
      if (parseHolder(current)?.token !== me.token) return;
      await unlink(path).catch(() => undefined);
      // ENOTEMPTY while other locks live there; ENOENT when someone else removed it first.
      if (options.pruneFolder === true) await rmdir(dirname(path)).catch(() => undefined);
    },
  };
}

/** Runs `fn` while holding the lock at `path`. */
export async function withLock<T>(path: string, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(path, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
