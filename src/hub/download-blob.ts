/**
 * The resumable, verified downloader of one file into `blobs/<etag>` (what @huggingface/hub lacks:
 * Range resume, progress, retries mid-body, locking).
 *
 * Bytes go to `blobs/<etag>.incomplete` while the hash is computed on the fly; a dropped connection or
 * Ctrl-C leaves that file, and the next attempt (now or in a later run) asks for the rest with
 * `Range: bytes=<size>-`, hashing the part already on disk first. Only a file whose size and hash match
 * is renamed to `blobs/<etag>`; a mismatch deletes it and fails with CHECKSUM.
 *
 * A server that stops sending without closing the connection (or promises more bytes than it sends)
 * would otherwise hold the download until Node's own 300 s timeout: after `idleTimeoutMs` without a
 * byte the request is dropped, `onStall` says so, and the download resumes with Range.
 */
import type { Hash } from "node:crypto";
import { mkdir, open, rename, rm, stat, truncate } from "node:fs/promises";
import {
  AtlasError,
  acquireLock,
  ioError,
  isAtlasError,
  systemErrorCode,
  type LockHolder,
  type LockOptions,
} from "../core/index.js";
import { readTimeoutMs } from "../config/index.js";
import { abortedError, backoffDelay, isAborted, sleep } from "./backoff.js";
import { hashFilePrefix, newBlobHash, type BlobAlgorithm } from "./blob-digest.js";
import { normalizeEtag, type RepoCachePaths } from "./cache-layout.js";
import { createHubFetch, networkReason, type HubRequestOptions } from "./hub-fetch.js";
import type { HubRequestContext } from "./hub-error.js";

/** What the finished file must be. */
export interface BlobExpectation {
  /** Blob name: the LFS sha256, or the git blob sha1 of a small file. */
  etag: string;
  size: number;
  /** sha256 of the bytes (LFS files) or git's sha1 of `blob <size>\0<bytes>` (other files). */
  algorithm: BlobAlgorithm;
}

/** A download that received nothing for `idleMs` and is being resumed. */
export interface StallEvent {
  url: string;
  idleMs: number;
  /** Bytes on disk: where the resumed request starts. */
  offset: number;
}

/** How long a download may go without a byte, and what it does when it stalls. */
export interface StallOptions {
  /** Drop and resume a request that sent nothing for this long (default `$ATLAS_READ_TIMEOUT`, 30 s). */
  idleTimeoutMs?: number | undefined;
  onStall?: ((event: StallEvent) => void) | undefined;
}

/** Options of {@link downloadBlob}. */
export interface DownloadBlobOptions extends Omit<HubRequestOptions, "endpoint">, StallOptions {
  /** `<endpoint>/<repo>/resolve/<sha>/<path>` */
  url: string;
  paths: RepoCachePaths;
  expected: BlobExpectation;
  /** For error messages (endpoint, repo, revision, path); `hasToken` is set from `token`. */
  context: Omit<HubRequestContext, "hasToken">;
  /** Bytes on disk so far (including a resumed part) and the file size; called often. */
  onProgress?: ((done: number, total: number) => void) | undefined;
  /** Lock timing; `onWait` fires when another process is downloading the same blob. */
  lock?: Omit<LockOptions, "signal" | "purpose"> | undefined;
  onLockWait?: ((holder: LockHolder | undefined) => void) | undefined;
}

/** What {@link downloadBlob} did. */
export interface DownloadBlobResult {
  blobPath: string;
  /** Bytes fetched by this call (0 when the blob was already there). */
  downloadedBytes: number;
  /** Offset of the first Range request (0 = from the start). */
  resumedFrom: number;
  /** True when the blob was already in the cache (possibly written by a concurrent process). */
  cached: boolean;
}

const MAX_REDIRECTS = 5;

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return undefined;
    throw ioError("cannot read", path, error);
  }
}

/** GET with Range, following redirects by hand so the hub's own headers (X-Linked-Etag) can be checked. */
async function openStream(
  hubFetch: typeof fetch,
  options: DownloadBlobOptions,
  offset: number,
  signal: AbortSignal,
): Promise<Response> {
  let url = options.url;
  // identity: the hub serves small text files gzip-encoded when allowed, and a compressed answer ignores
  // Range (so nothing could resume) and has no Content-Length; the bytes we hash must be the file's own.
  // With a Range, fetch itself adds `Accept-Encoding: identity` (Fetch standard), so only set it without.
  const headers: Record<string, string> =
    offset > 0 ? { range: `bytes=${offset}-` } : { "accept-encoding": "identity" };
  // Like Python, the file's metadata is read from the first answer that is not a relative (same-hub)
  // redirect: the 302 to the CDN for LFS files, the 200/206 itself for small ones.
  let checked = false;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await hubFetch(url, { headers, redirect: "manual", signal });
    const location = response.headers.get("location");
    const redirect = response.status >= 300 && response.status < 400 && location !== null;
    const relative = redirect && !/^[a-z][a-z0-9+.-]*:\/\//i.test(location);
    if (!checked && !relative && !response.redirected) {
      checked = true;
      const etag = normalizeEtag(response.headers.get("x-linked-etag") ?? response.headers.get("etag"));
      if (etag !== undefined && etag !== options.expected.etag) {
        await response.body?.cancel();
        throw new AtlasError(
          "CHECKSUM",
          `the hub names this file ${etag} but its listing said ${options.expected.etag}`,
          { where: url, hint: "the repository changed while downloading: run the command again" },
        );
      }
    }
    if (redirect) {
      await response.body?.cancel();
      url = new URL(location, url).href;
      continue;
    }
    return response;
  }
  throw new AtlasError("NETWORK", `more than ${MAX_REDIRECTS} redirects`, { where: options.url });
}

/** Parses `Content-Range: bytes 10-99/100` → start 10. */
function rangeStart(header: string | null): number | undefined {
  const match = header === null ? null : /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(header.trim());
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * Downloads one file into the cache as `blobs/<etag>`, resuming and verifying; holds the blob's lock
 * (`.locks/models--org--name/<etag>.lock`) meanwhile, so concurrent pulls never write the same file.
 * @throws AtlasError CHECKSUM (bad content, deleted), NETWORK, AUTH, NOT_FOUND, BUSY, ABORTED (the
 *   `.incomplete` file stays for the next run).
 */
export async function downloadBlob(options: DownloadBlobOptions): Promise<DownloadBlobResult> {
  const { paths, expected, signal } = options;
  const blobPath = paths.blob(expected.etag);
  const incomplete = paths.incomplete(expected.etag);
  const lock = await acquireLock(paths.blobLock(expected.etag), {
    ...options.lock,
    signal,
    purpose: `download of ${options.context.path ?? expected.etag}`,
    ...(options.onLockWait === undefined ? {} : { onWait: options.onLockWait }),
  });
  try {
    // Someone (Python, another atlas) may have finished it while we waited for the lock.
    if ((await sizeOf(blobPath)) === expected.size)
      return { blobPath, downloadedBytes: 0, resumedFrom: 0, cached: true };
    await mkdir(paths.blobs, { recursive: true });
    return await fetchIntoBlob(options, blobPath, incomplete);
  } finally {
    await lock.release();
  }
}

async function fetchIntoBlob(
  options: DownloadBlobOptions,
  blobPath: string,
  incomplete: string,
): Promise<DownloadBlobResult> {
  const { expected, signal } = options;
  const retries = options.retry?.retries ?? 5;
  // The watchdog of the attempt in progress; paused while the hub fetch sleeps for a retry or a rate
  // limit, so our own wait (a Retry-After of 45 s) is not taken for the server's silence.
  let watch: IdleWatchdog | undefined;
  const hubFetch = createHubFetch({
    fetch: options.fetch,
    context: { ...options.context, hasToken: options.token !== undefined },
    token: options.token,
    signal,
    retry: options.retry,
    onRetry: options.onRetry,
    env: options.env,
    rateLimitGate: options.rateLimitGate,
    onRateLimit: options.onRateLimit,
    idle: { pause: () => watch?.pause(), resume: () => watch?.resume() },
  });
  const idleTimeoutMs = options.idleTimeoutMs ?? readTimeoutMs(options.env);
  let downloaded = 0;
  let resumedFrom: number | undefined;
  let failures = 0;
  let state: { hash: Hash; length: number } | undefined;
  for (;;) {
    if (isAborted(signal)) throw abortedError(signal);
    let offset = (await sizeOf(incomplete)) ?? 0;
    if (offset > expected.size) {
      await truncate(incomplete, 0);
      offset = 0;
    }
    // Hash what is already on disk once; across retries in this call the running hash is reused.
    if (state === undefined || state.length !== offset)
      state = {
        hash: await hashFilePrefix(incomplete, expected.algorithm, expected.size, offset),
        length: offset,
      };
    if (offset < expected.size) {
      let progressed = false;
      const watchdog = new IdleWatchdog(idleTimeoutMs);
      watch = watchdog;
      try {
        const response = await openStream(hubFetch, options, offset, watchdog.signal);
        if (
          offset > 0 &&
          response.status === 206 &&
          rangeStart(response.headers.get("content-range")) !== offset
        )
          throw new AtlasError("NETWORK", "the server answered a different byte range than asked", {
            where: options.url,
          });
        if (offset > 0 && response.status !== 206) {
          // The server ignored Range: start over.
          offset = 0;
          await truncate(incomplete, 0);
          state = { hash: newBlobHash(expected.algorithm, expected.size), length: 0 };
        }
        resumedFrom ??= offset;
        options.onProgress?.(offset, expected.size);
        if (response.body === null) throw new AtlasError("NETWORK", "empty response", { where: options.url });
        const handle = await open(incomplete, "a");
        try {
          const reader = (response.body as ReadableStream<Uint8Array>).getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            watchdog.touch();
            if (state.length + value.length > expected.size)
              throw new AtlasError(
                "CHECKSUM",
                `the server sent more than the expected ${expected.size} bytes`,
                {
                  where: options.url,
                },
              );
            await handle.write(value);
            state.hash.update(value);
            state.length += value.length;
            downloaded += value.length;
            progressed = true;
            options.onProgress?.(state.length, expected.size);
          }
        } finally {
          await handle.close();
        }
        if (state.length < expected.size) throw new Error(`connection closed at byte ${state.length}`);
      } catch (caught) {
        watchdog.stop();
        if (isAborted(signal)) throw abortedError(signal);
        // Our own watchdog cut a silent request: a network failure like any other, resumed below.
        const error = watchdog.fired
          ? new Error(`stalled: no data for ${Math.round(idleTimeoutMs / 1000)} s`)
          : caught;
        if (watchdog.fired)
          options.onStall?.({ url: options.url, idleMs: idleTimeoutMs, offset: state.length });
        if (isAtlasError(error, "CHECKSUM")) {
          await rm(incomplete, { force: true });
          throw error;
        }
        if (isAtlasError(error)) throw error;
        if (systemErrorCode(error) !== undefined && !isNetworkCode(error))
          throw ioError("cannot write the download", incomplete, error);
        failures = progressed ? 1 : failures + 1;
        if (failures > retries)
          throw new AtlasError("NETWORK", `download kept failing (${networkReason(error)})`, {
            where: options.url,
            cause: error,
            hint: "run the command again to resume from the bytes already saved",
          });
        const delayMs = backoffDelay(failures - 1, options.retry);
        options.onRetry?.({ url: options.url, attempt: failures, delayMs, reason: networkReason(error) });
        await sleep(delayMs, signal);
        continue;
      } finally {
        watchdog.stop();
      }
    }
    const actual = state.hash.digest("hex");
    if (actual !== expected.etag) {
      await rm(incomplete, { force: true });
      throw new AtlasError(
        "CHECKSUM",
        `downloaded ${options.context.path ?? "file"} does not match its ${expected.algorithm} (expected ${expected.etag}, got ${actual}); the bad file was deleted`,
        {
          where: options.url,
          hint: "run the command again; if it keeps failing, report it to the model's authors",
        },
      );
    }
    try {
      await rename(incomplete, blobPath);
    } catch (error) {
      throw ioError("cannot move the verified download into place", blobPath, error);
    }
    return { blobPath, downloadedBytes: downloaded, resumedFrom: resumedFrom ?? 0, cached: false };
  }
}

/**
 * Aborts its signal when `touch()` has not been called for `idleMs` (from its creation on, so a server
 * that never answers counts too).
 */
class IdleWatchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout;
  private stopped = false;
  fired = false;

  constructor(private readonly idleMs: number) {
    this.timer = this.arm();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  touch(): void {
    clearTimeout(this.timer);
    this.timer = this.arm();
  }

  /** Stops counting (we are waiting on purpose); `resume` starts a full idle period again. */
  pause(): void {
    clearTimeout(this.timer);
  }

  resume(): void {
    if (this.fired || this.stopped) return;
    clearTimeout(this.timer);
    this.timer = this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private arm(): NodeJS.Timeout {
    return setTimeout(() => {
      this.fired = true;
      this.controller.abort(new Error("stalled"));
    }, this.idleMs);
  }
}

/** Socket-level failures are retried; file-system errors (ENOSPC, EACCES) are not. */
function isNetworkCode(error: unknown): boolean {
  const code = systemErrorCode(error);
  return (
    code !== undefined &&
    /^(ECONN|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_|UND_ERR|ENETUNREACH|EHOSTUNREACH)/.test(code)
  );
}
