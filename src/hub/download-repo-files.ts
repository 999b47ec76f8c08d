/**
 * Downloads listed files of one repo commit into the Hugging Face cache, one after another: each blob
 * resumable and verified (`downloadBlob`), linked into `snapshots/<sha>/`, and finally `refs/<revision>`
 * pointing at the commit — the layout Python's `huggingface_hub` writes. Dataset readers use it; model
 * snapshots go through `downloadSnapshot`, which adds concurrency, cache checks and per-file events.
 */
import { writeRef } from "./cache-refs.js";
import type { RepoCachePaths } from "./cache-layout.js";
import { downloadBlob } from "./download-blob.js";
import type { HubRequestOptions } from "./hub-fetch.js";
import { linkSnapshotFile } from "./link-snapshot-file.js";
import type { RepoFile } from "./list-repo-files.js";

/** Options of {@link downloadRepoFiles}. */
export interface DownloadRepoFilesOptions extends Omit<HubRequestOptions, "endpoint" | "onRetry"> {
  endpoint: string;
  /** `org/name` */
  repo: string;
  repoType: "model" | "dataset";
  /** The revision the caller asked for (written to `refs/`) and the commit it resolved to. */
  revision: string;
  sha: string;
  paths: RepoCachePaths;
  /** In the order to download them. */
  files: readonly RepoFile[];
  /** Bytes of all `files` done / total. */
  onProgress?: ((done: number, total: number) => void) | undefined;
}

/** Returns the snapshot path of each file, in the order of `files`. */
export async function downloadRepoFiles(options: DownloadRepoFilesOptions): Promise<string[]> {
  const { endpoint, repo, revision, sha, paths } = options;
  const base = options.repoType === "dataset" ? `${endpoint}/datasets/${repo}` : `${endpoint}/${repo}`;
  const total = options.files.reduce((sum, f) => sum + f.size, 0);
  let finished = 0;
  const out: string[] = [];
  for (const file of options.files) {
    await downloadBlob({
      url: `${base}/resolve/${sha}/${file.path.split("/").map(encodeURIComponent).join("/")}`,
      paths,
      expected: {
        etag: file.etag,
        size: file.size,
        algorithm: file.lfs === undefined ? "git-sha1" : "sha256",
      },
      context: { endpoint, repo, revision, path: file.path },
      token: options.token,
      fetch: options.fetch,
      signal: options.signal,
      retry: options.retry,
      env: options.env,
      rateLimitGate: options.rateLimitGate,
      onRateLimit: options.onRateLimit,
      onProgress: (done) => options.onProgress?.(finished + done, total),
    });
    finished += file.size;
    out.push(await linkSnapshotFile(paths, sha, file.path, file.etag));
  }
  await writeRef(paths, revision, sha);
  return out;
}
