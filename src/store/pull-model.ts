/**
 * `atlas pull`: hub id → HF cache (downloadSnapshot) → GGUF in the store (converted, or a repo's GGUF
 * stored as is with `file`) → manifest. A pull of a commit+quant already in the store does nothing but
 * resolve the revision (and not even that offline or for a sha).
 */
import { stat } from "node:fs/promises";
import { AtlasError, withLock } from "../core/index.js";
import { atlasHome as defaultAtlasHome, hfEndpoint, hfHubCache, hfOffline } from "../config/index.js";
import {
  OUTPUT_TYPES,
  convertModel,
  parseOutputType,
  readGguf,
  type ConvertProgress,
  type OutputType,
} from "../convert/index.js";
import {
  downloadSnapshot,
  isCommitSha,
  rateLimitProgress,
  readRef,
  repoCachePaths,
  resolveForDownload,
  resolveTokenInfo,
  writeRef,
  type RateLimitEvent,
  type RepoCachePaths,
  type RetryEvent,
  type DownloadSnapshotOptions,
  type SnapshotProgress,
  type SnapshotResult,
} from "../hub/index.js";
import { atlasVersion } from "./atlas-version.js";
import { convertLocalCheckpoint, type ConvertFn } from "./convert-local-checkpoint.js";
import type { ManifestQuant, StoreOptions } from "./manifest.js";
import { parseModelRef } from "./model-ref.js";
import { findPresentEntry, recordEntry, shaFromStore, type EntryWanted } from "./store-entries.js";
import { storeGgufFile } from "./store-gguf-file.js";
import { cachedRepoId, storedRepoId } from "./stored-repo-id.js";
import { DEFAULT_QUANT, storePaths } from "./store-layout.js";

/** Progress of a pull: download events, then conversion, lock waits and the final store. */
export type PullProgress =
  | SnapshotProgress
  | { type: "convert"; progress: ConvertProgress }
  | { type: "waiting"; what: string }
  | { type: "stored"; path: string; bytes: number };

/** Options of {@link pullModel}. Defaults come from `env` (default `process.env`). */
export interface PullModelOptions
  extends
    StoreOptions,
    Pick<
      DownloadSnapshotOptions,
      | "revision"
      | "token"
      | "endpoint"
      | "cacheDir"
      | "offline"
      | "concurrency"
      | "verifyCached"
      | "fetch"
      | "signal"
      | "retry"
      | "idleTimeoutMs"
    > {
  /** Alias (`atlas-chat:2b`), `org/name[:quant]`, or a local checkpoint folder / .gguf path. */
  model: string;
  /** Output type to convert to (default q4_k_m); not allowed with `file`. */
  quant?: string | undefined;
  /** A GGUF file of the repo to download and store as is (no conversion). */
  file?: string | undefined;
  /** How long to wait for another process converting the same model (default 3 h). */
  lockTimeoutMs?: number | undefined;
  /** The converter (default `convertModel`); tests inject a fake. */
  convert?: ConvertFn | undefined;
  threads?: number | undefined;
  onProgress?: ((event: PullProgress) => void) | undefined;
  onRetry?: ((event: RetryEvent) => void) | undefined;
}

/** What a pull did. */
export interface PullResult {
  /** The model as given. */
  model: string;
  /** `org/name`, or undefined for a local path. */
  id: string | undefined;
  revision: string | undefined;
  sha: string | undefined;
  quant: string;
  /** The GGUF to run. */
  path: string;
  bytes: number;
  /** "pulled": something was downloaded, converted or stored; "up-to-date": it was all there. */
  status: "pulled" | "up-to-date";
  /** "converted" by atlas, "gguf" downloaded as is, "local" path given. */
  source: "converted" | "gguf" | "local";
  downloadedBytes: number;
  /** The folder the GGUF was made from (HF snapshot or local checkpoint). */
  snapshot: string | undefined;
}

/** `refs/<revision>` in the HF cache, when the cache holds the repo at all (never creates an empty entry). */
async function writeCachedRef(paths: RepoCachePaths, revision: string, sha: string): Promise<void> {
  if ((await stat(paths.root).catch(() => undefined))?.isDirectory() === true)
    await writeRef(paths, revision, sha);
}

/** Parses a quant name into an output type, or fails listing the valid ones. */
export function parseQuant(text: string): OutputType {
  const type = parseOutputType(text);
  if (type === undefined)
    throw new AtlasError("BAD_ARGUMENT", `unknown quantization '${text}'`, {
      hint: `use one of ${OUTPUT_TYPES.join(", ")}`,
    });
  return type;
}

/** A local .gguf is used as is; a local checkpoint folder is converted into `$ATLAS_HOME/converted/`. */
async function pullLocal(options: PullModelOptions, path: string, atlasHome: string): Promise<PullResult> {
  if (options.file !== undefined)
    throw new AtlasError("BAD_ARGUMENT", "--file applies to hub repos, not to local paths");
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw new AtlasError("NOT_FOUND", "no such file or folder", { where: path });
  const base = {
    model: options.model,
    id: undefined,
    revision: undefined,
    sha: undefined,
    downloadedBytes: 0,
  };
  if (info.isFile()) {
    // Only a valid GGUF is a model: the same check (and error) as `atlas inspect`.
    await readGguf(path);
    return {
      ...base,
      quant: "gguf",
      path,
      bytes: info.size,
      status: "up-to-date",
      source: "local",
      snapshot: undefined,
    };
  }
  const quant = parseQuant(options.quant ?? DEFAULT_QUANT);
  const local = await convertLocalCheckpoint({
    folder: path,
    quant,
    atlasHome,
    signal: options.signal,
    convert: options.convert,
    threads: options.threads,
    lockTimeoutMs: options.lockTimeoutMs,
    onProgress: (progress) => options.onProgress?.({ type: "convert", progress }),
    onWait: () =>
      options.onProgress?.({ type: "waiting", what: "another atlas process is converting this folder" }),
  });
  const bytes = (await stat(local.path)).size;
  const status = local.converted ? "pulled" : "up-to-date";
  return { ...base, quant, path: local.path, bytes, status, source: "local", snapshot: path };
}

/**
 * Pulls `model` into the store and returns the GGUF to run.
 * @throws AtlasError BAD_ARGUMENT, NOT_FOUND ("no such model or revision"), AUTH (gated: accept the
 *   license, set HF_TOKEN), NETWORK, CHECKSUM, BUSY, ABORTED (downloads resume next time), and the
 *   converter's errors.
 * @example
 * const { path } = await pullModel({ model: "atlas-chat:2b", quant: "q8_0" });
 */
export async function pullModel(options: PullModelOptions): Promise<PullResult> {
  const env = options.env ?? process.env;
  const home = options.atlasHome ?? defaultAtlasHome(env);
  const ref = parseModelRef(options.model);
  if (ref.kind === "path") return pullLocal(options, ref.path, home);
  const report = (event: PullProgress): void => options.onProgress?.(event);
  const typed = ref.repo;
  const file = options.file;
  if (file !== undefined && (options.quant ?? ref.quant) !== undefined)
    throw new AtlasError("BAD_ARGUMENT", "--quant does not apply with --file (the GGUF is stored as it is)");
  const quant = file === undefined ? parseQuant(options.quant ?? ref.quant ?? DEFAULT_QUANT) : undefined;
  const wanted: EntryWanted = file === undefined ? { quant: quant ?? DEFAULT_QUANT } : { file };
  const revision = options.revision ?? "main";
  let offline = options.offline ?? hfOffline(env);
  const cacheDir = options.cacheDir ?? hfHubCache(env);
  const endpoint = options.endpoint ?? hfEndpoint(env);
  const warn = options.onWarning ?? ((message: string) => process.emitWarning(message));
  const onRateLimit = (event: RateLimitEvent): void => report(rateLimitProgress(event));
  const net = {
    endpoint,
    fetch: options.fetch,
    signal: options.signal,
    retry: options.retry,
    env,
    onRetry: options.onRetry,
    onRateLimit,
  };
  // Ids are case-insensitive on the hub: reuse the spelling the store (and the HF cache) already has,
  // else the hub's own, so `mbzuai-paris/atlas-chat-2b` never makes a second entry.
  const stored = await storedRepoId(home, typed);
  const cachedSpelling = await cachedRepoId(cacheDir, typed);
  let repo = stored ?? cachedSpelling ?? typed;
  let cacheRepo = cachedSpelling ?? stored ?? typed;
  let token = options.token;
  let noTokenBecause: string | undefined;
  let fallback: string | undefined;

  // 1. Which commit? Offline asks refs/ (HF cache) or the store; a sha the store has needs no request;
  //    otherwise the hub, falling back to the cache when it cannot be reached.
  let sha: string | undefined;
  if (offline)
    sha = isCommitSha(revision)
      ? revision
      : ((await readRef(repoCachePaths(cacheDir, cacheRepo), revision)) ??
        (await shaFromStore(home, repo, revision, options)));
  else if (
    isCommitSha(revision) &&
    stored !== undefined &&
    (await findPresentEntry(home, stored, revision, wanted, options)) !== undefined
  )
    sha = revision;
  else {
    const resolved = await resolveForDownload({
      ...net,
      repo: cacheRepo,
      revision,
      cacheDir,
      tokenInfo:
        options.token === undefined
          ? resolveTokenInfo({ env })
          : { token: options.token, source: "option", warnings: [] },
      knownSha: () => shaFromStore(home, repo, revision, options),
      onWarning: warn,
    });
    ({ sha, token, noTokenBecause } = resolved);
    repo = stored ?? resolved.id;
    cacheRepo = cachedSpelling ?? resolved.id;
    if (resolved.fallback !== undefined) {
      offline = true;
      fallback = resolved.fallback.reason;
    }
  }
  if (sha !== undefined)
    report({
      type: "resolved",
      repo,
      revision,
      sha,
      offline,
      ...(fallback === undefined ? {} : { fallback }),
    });

  // 2. Already in the store: nothing to do.
  const paths = storePaths(home);
  const result = (
    commit: string,
    entry: ManifestQuant,
    status: PullResult["status"],
    snapshot?: SnapshotResult,
  ): PullResult => ({
    model: options.model,
    id: repo,
    revision,
    sha: commit,
    quant: entry.quant,
    path: paths.gguf(repo, commit, entry.quant),
    bytes: entry.bytes,
    status,
    source: entry.source,
    downloadedBytes: snapshot?.downloadedBytes ?? 0,
    snapshot: snapshot?.folder,
  });
  if (sha !== undefined) {
    const present = await findPresentEntry(home, repo, sha, wanted, options);
    if (present !== undefined) {
      await recordEntry(home, repo, sha, revision, undefined, options);
      // What the hub just said goes to the HF cache too, so Python (offline) sees the same commit.
      if (!offline) await writeCachedRef(repoCachePaths(cacheDir, cacheRepo), revision, sha);
      return result(sha, present, "up-to-date");
    }
  }

  // 3. Download what is missing into the HF cache.
  const snapshot = await downloadSnapshot({
    ...net,
    token,
    noTokenBecause,
    repo: cacheRepo,
    // Offline with the commit known (maybe only from the store's manifests): look it up by sha.
    revision: offline && sha !== undefined ? sha : revision,
    ...(sha === undefined || offline ? {} : { sha }),
    select: file === undefined ? { kind: "checkpoint" } : { kind: "files", paths: [file] },
    cacheDir,
    offline,
    env,
    concurrency: options.concurrency,
    verifyCached: options.verifyCached,
    idleTimeoutMs: options.idleTimeoutMs,
    onProgress: (event) => {
      if (event.type !== "resolved" || sha === undefined) report(event);
    },
    onWarning: warn,
  });
  const commit = snapshot.sha;
  const sourceFiles = snapshot.files.map((f) => ({ path: f.path, etag: f.etag, size: f.size }));
  const lockTimeoutMs = options.lockTimeoutMs ?? 3 * 3600_000;
  const onWait = (): void =>
    report({ type: "waiting", what: "another atlas process is converting this model" });
  const entryBase = {
    createdAt: new Date().toISOString(),
    atlasVersion: atlasVersion(),
    revision,
    sourceFiles,
  };

  // 4a. A GGUF from the repo: stored as is.
  if (file !== undefined) {
    const stored = await storeGgufFile({
      atlasHome: home,
      repo,
      sha: commit,
      snapshotFile: snapshot.files[0]?.snapshotPath ?? "",
      fileName: file,
      signal: options.signal,
      lockTimeoutMs,
      onWait,
    });
    const entry: ManifestQuant = {
      ...entryBase,
      quant: stored.quant,
      file: `${stored.quant}.gguf`,
      bytes: stored.bytes,
      source: "gguf",
      ...(stored.fileType === undefined ? {} : { fileType: stored.fileType }),
    };
    await recordEntry(home, repo, commit, revision, entry, options);
    report({ type: "stored", path: paths.gguf(repo, commit, entry.quant), bytes: entry.bytes });
    return result(
      commit,
      entry,
      stored.written || snapshot.downloadedBytes > 0 ? "pulled" : "up-to-date",
      snapshot,
    );
  }

  // 4b. Convert, once per commit+quant even with concurrent pulls (the second finds it done).
  const type = parseQuant(wanted.quant ?? DEFAULT_QUANT);
  const output = paths.gguf(repo, commit, type);
  let convertedNow = false;
  const entry = await withLock(
    paths.quantLock(repo, commit, type),
    {
      timeoutMs: lockTimeoutMs,
      signal: options.signal,
      purpose: `conversion of ${repo} to ${type}`,
      onWait,
      pruneFolder: true,
    },
    async (): Promise<ManifestQuant> => {
      const existing = await findPresentEntry(home, repo, commit, { quant: type }, options);
      if (existing !== undefined) return existing;
      const converted = await (options.convert ?? convertModel)({
        input: snapshot.folder,
        output,
        type,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        onProgress: (progress) => report({ type: "convert", progress }),
        ...(options.threads === undefined ? {} : { threads: options.threads }),
      });
      const fresh: ManifestQuant = {
        ...entryBase,
        quant: type,
        file: `${type}.gguf`,
        bytes: (await stat(output)).size,
        source: "converted",
        fileType: converted.fileType,
      };
      await recordEntry(home, repo, commit, revision, fresh, options);
      convertedNow = true;
      return fresh;
    },
  );
  report({ type: "stored", path: output, bytes: entry.bytes });
  return result(
    commit,
    entry,
    convertedNow || snapshot.downloadedBytes > 0 ? "pulled" : "up-to-date",
    snapshot,
  );
}
