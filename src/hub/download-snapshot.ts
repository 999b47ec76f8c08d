/**
 * `snapshot_download` for conversion: revision → sha, list the files, fetch what is missing (bounded
 * concurrency, resumable, verified), link `snapshots/<sha>/…`, write `refs/<revision>`. Files already
 * in the cache (downloaded by Python or by us) are not fetched again; offline mode makes no request.
 */
import { rm, stat } from "node:fs/promises";
import { AtlasError, isAtlasError, type LockOptions } from "../core/index.js";
import { hfEndpoint, hfHubCache, hfOffline, readTimeoutMs } from "../config/index.js";
import { blobDigest } from "./blob-digest.js";
import { repoCachePaths, type RepoCachePaths } from "./cache-layout.js";
import { writeRef } from "./cache-refs.js";
import { downloadBlob } from "./download-blob.js";
import { findCachedSnapshot } from "./find-cached-snapshot.js";
import type { HubRequestOptions, RateLimitEvent } from "./hub-fetch.js";
import { linkSnapshotFile } from "./link-snapshot-file.js";
import { listRepoFiles, type RepoFile } from "./list-repo-files.js";
import { mapLimit } from "./map-limit.js";
import { resolveForDownload } from "./resolve-for-download.js";
import { resolveTokenInfo } from "./resolve-token.js";
import { selectCheckpointFiles, selectGgufFile } from "./select-checkpoint-files.js";
import type { SnapshotFile, SnapshotProgress, SnapshotResult, SnapshotSelection } from "./snapshot-types.js";

/** Options of {@link downloadSnapshot}. Every default comes from `env` (default `process.env`). */
export interface DownloadSnapshotOptions extends HubRequestOptions {
  /** `org/name` */
  repo: string;
  /** Branch, tag or sha (default "main"). */
  revision?: string | undefined;
  /** The commit `revision` was already resolved to (skips the model-info request; refs/ is still written). */
  sha?: string | undefined;
  /** Default: what conversion needs (config, tokenizer, safetensors + index). */
  select?: SnapshotSelection | undefined;
  /** Default `$HF_HUB_CACHE` → `$HF_HOME/hub` → `~/.cache/huggingface/hub`. */
  cacheDir?: string | undefined;
  /** Default `$HF_HUB_OFFLINE`. */
  offline?: boolean | undefined;
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Files downloaded at once (default 4). */
  concurrency?: number | undefined;
  /** Re-hash files already in the cache and re-download those that do not match (default false). */
  verifyCached?: boolean | undefined;
  /** Drop and resume a download that sent nothing for this long (default `$ATLAS_READ_TIMEOUT`, 30 s). */
  idleTimeoutMs?: number | undefined;
  lock?: Omit<LockOptions, "signal" | "purpose" | "onWait"> | undefined;
  /** Progress; a stalled download shows as a file event with state "stalled" before it resumes. */
  onProgress?: ((event: SnapshotProgress) => void) | undefined;
  /**
   * Warnings: the hub could not be reached and the cache answered, a stored token expired or was
   * rejected. Default `process.emitWarning`.
   */
  onWarning?: ((message: string) => void) | undefined;
}

/** A rate-limit wait as a progress event. */
export function rateLimitProgress(event: RateLimitEvent): SnapshotProgress {
  const info = event.info;
  return {
    type: "rate-limited",
    waitMs: event.waitMs,
    rejected: event.rejected,
    ...(info === undefined ? {} : { resource: info.resource }),
    ...(info?.limit === undefined ? {} : { limit: info.limit }),
    ...(info?.windowSeconds === undefined ? {} : { windowSeconds: info.windowSeconds }),
  };
}

async function sizeIfFile(path: string): Promise<number | undefined> {
  try {
    const stats = await stat(path);
    return stats.isFile() ? stats.size : undefined;
  } catch {
    return undefined;
  }
}

/** Is `file` usable from the cache? Links an existing blob into the snapshot when only the link is missing. */
async function fromCache(
  paths: RepoCachePaths,
  sha: string,
  file: RepoFile,
  verify: boolean,
): Promise<boolean> {
  const snapshotPath = paths.snapshotFile(sha, file.path);
  const blobPath = paths.blob(file.etag);
  const algorithm = file.lfs === undefined ? "git-sha1" : "sha256";
  const linked = (await sizeIfFile(snapshotPath)) === file.size;
  const blob = linked || (await sizeIfFile(blobPath)) === file.size;
  if (!blob) return false;
  if (verify && (await blobDigest(linked ? snapshotPath : blobPath, algorithm, file.size)) !== file.etag) {
    await rm(blobPath, { force: true });
    return false;
  }
  if (!linked) await linkSnapshotFile(paths, sha, file.path, file.etag);
  return true;
}

/**
 * Downloads (or finds in the cache) the files of `repo` at `revision` that `select` names.
 * @throws AtlasError NOT_FOUND, AUTH (gated repo: accept the license, set a token), NETWORK, CHECKSUM,
 *   BUSY, ABORTED (partial files stay as `.incomplete` and resume next time), UNSUPPORTED.
 * @example
 * const snap = await downloadSnapshot({ repo: "MBZUAI-Paris/Atlas-Chat-2B", revision: "main" });
 * await convertModel({ input: snap.folder, output: "model.gguf" });
 */
export async function downloadSnapshot(options: DownloadSnapshotOptions): Promise<SnapshotResult> {
  const env = options.env ?? process.env;
  const cacheDir = options.cacheDir ?? hfHubCache(env);
  const revision = options.revision ?? "main";
  const select = options.select ?? { kind: "checkpoint" };
  const offlineLookup = async (rev: string, fallback?: string): Promise<SnapshotResult> => {
    const result = await findCachedSnapshot({ repo: options.repo, revision: rev, cacheDir, select }).catch(
      (error: unknown) => {
        // Not offline mode: the hub failed, and the cache cannot stand in for it. Say both.
        if (fallback === undefined || !isAtlasError(error, "NOT_FOUND")) throw error;
        throw new AtlasError(
          "NETWORK",
          `${fallback}; and the cached snapshot ${rev} of ${options.repo} is incomplete (${error.where ?? "a file is missing"})`,
          { cause: error, hint: "run the command again once the hub can be reached" },
        );
      },
    );
    options.onProgress?.({
      type: "resolved",
      repo: options.repo,
      revision,
      sha: result.sha,
      offline: true,
      ...(fallback === undefined ? {} : { fallback }),
    });
    return { ...result, revision };
  };
  if (options.offline ?? hfOffline(env)) return offlineLookup(revision);
  const endpoint = options.endpoint ?? hfEndpoint(env);
  const onRateLimit = (event: RateLimitEvent): void => {
    options.onProgress?.(rateLimitProgress(event));
    options.onRateLimit?.(event);
  };
  const shared = {
    repo: options.repo,
    endpoint,
    fetch: options.fetch,
    signal: options.signal,
    retry: options.retry,
    onRetry: options.onRetry,
    env,
    rateLimitGate: options.rateLimitGate,
    onRateLimit,
  };
  let token = options.token;
  let noTokenBecause = options.noTokenBecause;
  let sha = options.sha;
  if (sha === undefined) {
    const resolved = await resolveForDownload({
      ...shared,
      revision,
      cacheDir,
      tokenInfo:
        options.token === undefined
          ? resolveTokenInfo({ env })
          : { token: options.token, source: "option", warnings: [] },
      onWarning: options.onWarning,
    });
    if (resolved.fallback !== undefined) return offlineLookup(resolved.sha, resolved.fallback.reason);
    ({ sha, token, noTokenBecause } = resolved);
  }
  const common = { ...shared, token, noTokenBecause };
  options.onProgress?.({ type: "resolved", repo: options.repo, revision, sha, offline: false });
  const listing = await listRepoFiles({ ...common, sha });
  const wanted =
    select.kind === "checkpoint"
      ? selectCheckpointFiles(listing, options.repo)
      : select.paths.flatMap((p) => selectGgufFile(listing, p, options.repo));
  const paths = repoCachePaths(cacheDir, options.repo);
  const cached = new Set<string>();
  for (const file of wanted)
    if (await fromCache(paths, sha, file, options.verifyCached ?? false)) cached.add(file.path);
  options.onProgress?.({
    type: "plan",
    files: wanted.map((f) => ({ path: f.path, size: f.size, cached: cached.has(f.path) })),
  });
  const pending = wanted.filter((f) => !cached.has(f.path));
  const outcomes = await mapLimit(
    pending,
    options.concurrency ?? 4,
    async (file, signal) => {
      const report = (
        state: "downloading" | "waiting" | "retrying" | "stalled" | "done",
        done: number,
      ): void => options.onProgress?.({ type: "file", path: file.path, done, total: file.size, state });
      const result = await downloadBlob({
        url: `${endpoint}/${options.repo}/resolve/${sha}/${file.path.split("/").map(encodeURIComponent).join("/")}`,
        paths,
        expected: {
          etag: file.etag,
          size: file.size,
          algorithm: file.lfs === undefined ? "git-sha1" : "sha256",
        },
        context: { endpoint, repo: options.repo, revision, path: file.path, noTokenBecause },
        token,
        fetch: options.fetch,
        signal,
        retry: options.retry,
        env,
        rateLimitGate: options.rateLimitGate,
        onRateLimit,
        lock: options.lock,
        idleTimeoutMs: options.idleTimeoutMs ?? readTimeoutMs(env),
        onStall: (event) => report("stalled", event.offset),
        onLockWait: () => report("waiting", 0),
        onProgress: (done) => report("downloading", done),
        onRetry: (event) => {
          report("retrying", 0);
          options.onRetry?.(event);
        },
      });
      await linkSnapshotFile(paths, sha, file.path, file.etag);
      report("done", file.size);
      return [file.path, result] as const;
    },
    options.signal,
  );
  for (const file of wanted)
    if (cached.has(file.path))
      options.onProgress?.({
        type: "file",
        path: file.path,
        done: file.size,
        total: file.size,
        state: "cached",
      });
  await writeRef(paths, revision, sha);
  const byPath = new Map(outcomes);
  const files: SnapshotFile[] = wanted.map((file) => {
    const outcome = byPath.get(file.path);
    return {
      path: file.path,
      size: file.size,
      etag: file.etag,
      blobPath: paths.blob(file.etag),
      snapshotPath: paths.snapshotFile(sha, file.path),
      source: outcome === undefined || outcome.cached ? "cache" : "download",
      resumedFrom: outcome?.resumedFrom ?? 0,
    };
  });
  const downloadedBytes = outcomes.reduce((sum, [, r]) => sum + r.downloadedBytes, 0);
  return {
    repo: options.repo,
    revision,
    sha,
    folder: paths.snapshotDir(sha),
    files,
    downloadedBytes,
    offline: false,
  };
}
