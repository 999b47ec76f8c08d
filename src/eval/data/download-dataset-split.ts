/**
 * One dataset split from the hub into the HF cache, as Python's `datasets` reads it: the parquet files
 * the hub's converter publishes on the `refs/convert/parquet` branch (`<config>/<split>/0000.parquet`,
 * `…/partial-<split>/…` when only part was converted), listed through the hub's tree API and fetched with
 * the project's resumable, verified downloader into `datasets--org--name/{blobs,snapshots,refs}`.
 * With `HF_HUB_OFFLINE` the cached snapshot is used without a request.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { hfEndpoint, hfHubCache, hfOffline } from "../../config/index.js";
import { AtlasError } from "../../core/index.js";
import {
  downloadRepoFiles,
  listRepoFiles,
  readRef,
  repoCachePaths,
  resolveRevision,
  resolveToken,
  type RepoFile,
  type RetryOptions,
} from "../../hub/index.js";
import type { DatasetRef } from "./dataset-ref.js";

/** The branch the hub's parquet converter writes. */
export const PARQUET_REVISION = "refs/convert/parquet";

/** Options of {@link downloadDatasetSplit}; defaults come from `env` like every hub call. */
export interface DownloadDatasetSplitOptions {
  ref: DatasetRef;
  env?: Readonly<Record<string, string | undefined>>;
  cacheDir?: string;
  endpoint?: string;
  token?: string;
  offline?: boolean;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  retry?: RetryOptions;
  /** Bytes of the split's files done / total. */
  onProgress?: (done: number, total: number) => void;
}

function splitFolders(ref: DatasetRef): string[] {
  return [`${ref.name}/${ref.split}/`, `${ref.name}/partial-${ref.split}/`];
}

function notFound(ref: DatasetRef, where: string, offline: boolean): AtlasError {
  return new AtlasError(
    "NOT_FOUND",
    `no parquet files for config '${ref.name}', split '${ref.split}' of dataset ${ref.path}${offline ? " in the cache (offline mode)" : ""}`,
    {
      where,
      hint: offline
        ? "run once with network access, or give --data-dir with the files"
        : "check the dataset id, config and split; or give --data-dir with local files",
    },
  );
}

async function cachedFiles(folder: string, ref: DatasetRef): Promise<string[]> {
  for (const prefix of splitFolders(ref)) {
    const dir = join(folder, ...prefix.split("/"));
    const names = await readdir(dir).catch(() => [] as string[]);
    const parquet = names.filter((n) => n.endsWith(".parquet")).sort();
    if (parquet.length > 0) return parquet.map((n) => join(dir, n));
  }
  return [];
}

/**
 * Downloads (or finds in the cache) the parquet files of one split; returns their paths in shard order.
 * @throws AtlasError NOT_FOUND, AUTH (gated dataset), NETWORK, CHECKSUM, ABORTED.
 */
export async function downloadDatasetSplit(options: DownloadDatasetSplitOptions): Promise<string[]> {
  const env = options.env ?? process.env;
  const { ref } = options;
  const cacheDir = options.cacheDir ?? hfHubCache(env);
  const paths = repoCachePaths(cacheDir, ref.path, "dataset");
  if (options.offline ?? hfOffline(env)) {
    const sha = await readRef(paths, PARQUET_REVISION);
    const files = sha === undefined ? [] : await cachedFiles(paths.snapshotDir(sha), ref);
    if (files.length === 0) throw notFound(ref, paths.root, true);
    return files;
  }
  const endpoint = options.endpoint ?? hfEndpoint(env);
  const token = options.token ?? resolveToken({ env });
  const common = {
    repo: ref.path,
    repoType: "dataset" as const,
    endpoint,
    token,
    fetch: options.fetch,
    signal: options.signal,
    retry: options.retry,
  };
  const { sha } = await resolveRevision({ ...common, revision: PARQUET_REVISION });
  const listing = await listRepoFiles({ ...common, sha, path: ref.name }).catch((error: unknown) => {
    if (error instanceof AtlasError && error.code === "NOT_FOUND") return [] as RepoFile[];
    throw error;
  });
  let wanted: RepoFile[] = [];
  for (const prefix of splitFolders(ref)) {
    wanted = listing.filter((f) => f.path.startsWith(prefix) && f.path.endsWith(".parquet"));
    if (wanted.length > 0) break;
  }
  if (wanted.length === 0)
    throw notFound(ref, `${endpoint}/datasets/${ref.path}/tree/${sha}/${ref.name}`, false);
  wanted.sort((a, b) => a.path.localeCompare(b.path));
  const out = await downloadRepoFiles({
    ...common,
    revision: PARQUET_REVISION,
    sha,
    paths,
    files: wanted,
    onProgress: options.onProgress,
  });
  const total = wanted.reduce((sum, f) => sum + f.size, 0);
  options.onProgress?.(total, total);
  return out;
}
