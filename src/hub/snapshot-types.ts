/** Shapes shared by `downloadSnapshot` and `findCachedSnapshot`. */

/** Which files of a repo to fetch: what conversion needs, or an explicit list (e.g. one GGUF). */
export type SnapshotSelection = { kind: "checkpoint" } | { kind: "files"; paths: string[] };

/** One file of a finished snapshot. */
export interface SnapshotFile {
  path: string;
  size: number;
  /** Blob name (sha256 / git sha1). */
  etag: string;
  blobPath: string;
  /** `snapshots/<sha>/<path>` */
  snapshotPath: string;
  /** "cache": it was already there (Python's or ours); "download": fetched now (maybe resumed). */
  source: "cache" | "download";
  /** Byte offset the download resumed from (0 = from the start or not downloaded). */
  resumedFrom: number;
}

/** Where a snapshot ended up. */
export interface SnapshotResult {
  repo: string;
  /** The revision as asked. */
  revision: string;
  sha: string;
  /** `snapshots/<sha>`: a folder the converter can read like a `save_pretrained` output. */
  folder: string;
  files: SnapshotFile[];
  /** Bytes fetched by this call. */
  downloadedBytes: number;
  /** True when resolved from the cache alone (offline mode). */
  offline: boolean;
}

/** Progress of a snapshot download. */
export type SnapshotProgress =
  | {
      type: "resolved";
      repo: string;
      revision: string;
      sha: string;
      /** True when no request was made for it (offline mode, or the hub could not be reached). */
      offline: boolean;
      /** Why the hub was not used although online: it could not be reached (the cache answered). */
      fallback?: string;
    }
  | {
      type: "rate-limited";
      /** How long we wait for the hub's rate-limit window to reset, in milliseconds. */
      waitMs: number;
      /** The hub's bucket ("api", "resolvers"), when it said. */
      resource?: string;
      /** Requests per window and the window in seconds, when the hub said. */
      limit?: number;
      windowSeconds?: number;
      /** True when a request was refused (429); false when an earlier answer said the window was used up. */
      rejected: boolean;
    }
  | { type: "plan"; files: { path: string; size: number; cached: boolean }[] }
  | {
      type: "file";
      path: string;
      /** Bytes on disk, including a resumed part. */
      done: number;
      total: number;
      /** "stalled": nothing arrived for the idle timeout; the download resumes from `done`. */
      state: "downloading" | "waiting" | "retrying" | "stalled" | "done" | "cached";
    };
