/** Offline mode (`HF_HUB_OFFLINE=1`): find a complete snapshot in the cache without any request. */
import { readFile, readdir, readlink, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { AtlasError, systemErrorCode } from "../core/index.js";
import { isCommitSha, repoCachePaths } from "./cache-layout.js";
import { readRef } from "./cache-refs.js";
import type { SnapshotFile, SnapshotResult, SnapshotSelection } from "./snapshot-types.js";

/** Options of {@link findCachedSnapshot}. */
export interface FindCachedSnapshotOptions {
  repo: string;
  revision?: string | undefined;
  cacheDir: string;
  select?: SnapshotSelection | undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Files a checkpoint snapshot must hold: config.json plus every shard (the index's, or the lone file). */
async function requiredCheckpointFiles(folder: string): Promise<string[]> {
  const required = ["config.json"];
  const index = join(folder, "model.safetensors.index.json");
  if (await isFile(index)) {
    required.push("model.safetensors.index.json");
    try {
      const parsed = JSON.parse(await readFile(index, "utf8")) as { weight_map?: Record<string, string> };
      required.push(...new Set(Object.values(parsed.weight_map ?? {})));
    } catch {
      // A broken index is the converter's problem to report precisely.
    }
    return required;
  }
  const entries = await readdir(folder).catch(() => [] as string[]);
  const shards = entries.filter((e) => e.endsWith(".safetensors"));
  return [...required, ...(shards.length > 0 ? shards : ["model.safetensors"])];
}

/**
 * Resolves `revision` through `refs/<revision>` (or takes a sha as is) and checks the snapshot holds
 * what `select` needs.
 * @throws AtlasError NOT_FOUND when the revision or a needed file is not cached.
 */
export async function findCachedSnapshot(options: FindCachedSnapshotOptions): Promise<SnapshotResult> {
  const revision = options.revision ?? "main";
  const paths = repoCachePaths(options.cacheDir, options.repo);
  const sha = isCommitSha(revision) ? revision : await readRef(paths, revision);
  const hint = "run the command once with network access (unset HF_HUB_OFFLINE)";
  if (sha === undefined)
    throw new AtlasError("NOT_FOUND", `${options.repo}@${revision} is not in the cache (offline mode)`, {
      where: paths.root,
      hint,
    });
  const folder = paths.snapshotDir(sha);
  const select = options.select ?? { kind: "checkpoint" };
  const needed = select.kind === "files" ? select.paths : await requiredCheckpointFiles(folder);
  const files: SnapshotFile[] = [];
  for (const path of needed) {
    const snapshotPath = paths.snapshotFile(sha, path);
    let size: number;
    try {
      size = (await stat(snapshotPath)).size;
    } catch (error) {
      if (systemErrorCode(error) !== "ENOENT") throw error;
      throw new AtlasError(
        "NOT_FOUND",
        `${path} of ${options.repo}@${revision} is not in the cache (offline mode)`,
        {
          where: snapshotPath,
          hint,
        },
      );
    }
    const target = await readlink(snapshotPath).catch(() => undefined);
    const etag = target === undefined ? "" : basename(target);
    files.push({
      path,
      size,
      etag,
      blobPath: etag === "" ? snapshotPath : paths.blob(etag),
      snapshotPath,
      source: "cache",
      resumedFrom: 0,
    });
  }
  return { repo: options.repo, revision, sha, folder, files, downloadedBytes: 0, offline: true };
}
