/** The files of a repo at one commit, via the hub's tree API (@huggingface/hub `listFiles`). */
import { listFiles } from "@huggingface/hub";
import { hfEndpoint } from "../config/index.js";
import { safeRepoPath } from "./cache-layout.js";
import { createHubFetch, type HubRequestOptions } from "./hub-fetch.js";
import type { RepoType } from "./repo-id.js";

/** One file of a repo. */
export interface RepoFile {
  /** Path inside the repo, `/`-separated. */
  path: string;
  size: number;
  /** git blob sha1 (of the LFS pointer for LFS files). */
  oid: string;
  /** Set for files stored in LFS (weights, tokenizer.model …). */
  lfs?: { sha256: string; size: number };
  /** The blob name in the cache: the LFS sha256, else the git sha1 (what Python uses). */
  etag: string;
}

/** Options of {@link listRepoFiles}. */
export interface ListRepoFilesOptions extends HubRequestOptions {
  repo: string;
  /** Commit sha (resolve branches first with `resolveRevision`). */
  sha: string;
  /** Default "model". */
  repoType?: RepoType | undefined;
  /** List only this folder (and below). Default: the whole repo. */
  path?: string | undefined;
}

/**
 * Lists every file (recursively, following the tree API's `Link: rel="next"` pages) at commit `sha`.
 * Paths are checked for traversal (`..`, absolute) before anyone uses them.
 */
export async function listRepoFiles(options: ListRepoFilesOptions): Promise<RepoFile[]> {
  const endpoint = options.endpoint ?? hfEndpoint();
  const hubFetch = createHubFetch({
    fetch: options.fetch,
    context: {
      endpoint,
      repo: options.repo,
      revision: options.sha,
      hasToken: options.token !== undefined,
      noTokenBecause: options.noTokenBecause,
    },
    token: options.token,
    signal: options.signal,
    retry: options.retry,
    onRetry: options.onRetry,
    env: options.env,
    rateLimitGate: options.rateLimitGate,
    onRateLimit: options.onRateLimit,
  });
  const files: RepoFile[] = [];
  for await (const entry of listFiles({
    repo: { type: options.repoType ?? "model", name: options.repo },
    revision: options.sha,
    ...(options.path === undefined ? {} : { path: options.path }),
    recursive: true,
    hubUrl: endpoint,
    fetch: hubFetch,
  })) {
    if (entry.type !== "file") continue;
    safeRepoPath(entry.path);
    const oid = entry.oid ?? "";
    const lfs = entry.lfs === undefined ? undefined : { sha256: entry.lfs.oid, size: entry.lfs.size };
    files.push({
      path: entry.path,
      size: entry.size,
      oid,
      ...(lfs === undefined ? {} : { lfs }),
      etag: lfs?.sha256 ?? oid,
    });
  }
  return files;
}
