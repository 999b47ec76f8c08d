/** Reading and recording store entries (one quant of one commit) through the manifests. */
import { readdir, stat } from "node:fs/promises";
import { isCommitSha } from "../hub/index.js";
import {
  loadManifest,
  updateManifest,
  type ManifestQuant,
  type ModelManifest,
  type StoreOptions,
} from "./manifest.js";
import { storePaths } from "./store-layout.js";

/** Which entry to look for: a converted quant, or the GGUF downloaded from repo file `file`. */
export type EntryWanted = { quant: string; file?: undefined } | { quant?: undefined; file: string };

/** The entry of `repo@sha` matching `wanted` whose file is still there with its recorded size. */
export async function findPresentEntry(
  atlasHome: string,
  repo: string,
  sha: string,
  wanted: EntryWanted,
  warnings: StoreOptions = {},
): Promise<ManifestQuant | undefined> {
  const paths = storePaths(atlasHome);
  const manifest = await loadManifest(atlasHome, repo, sha, warnings);
  const entries = Object.values(manifest?.quants ?? {});
  const entry =
    wanted.file === undefined
      ? entries.find((e) => e.quant === wanted.quant && e.source === "converted")
      : entries.find((e) => e.source === "gguf" && e.sourceFiles[0]?.path === wanted.file);
  if (entry === undefined) return undefined;
  const size = await stat(paths.gguf(repo, sha, entry.quant)).then(
    (s) => s.size,
    () => undefined,
  );
  return size === entry.bytes ? entry : undefined;
}

function withRevision(manifest: ModelManifest, revision: string): ModelManifest {
  if (isCommitSha(revision) || manifest.revisions.includes(revision)) return manifest;
  return { ...manifest, revisions: [...manifest.revisions, revision] };
}

/** Adds (or replaces) `entry` in the manifest of `repo@sha` and notes `revision` as pointing there. */
export async function recordEntry(
  atlasHome: string,
  repo: string,
  sha: string,
  revision: string,
  entry?: ManifestQuant,
  warnings: StoreOptions = {},
): Promise<void> {
  await updateManifest(
    atlasHome,
    repo,
    sha,
    (current) => {
      if (entry === undefined) return current && withRevision(current, revision);
      const base: ModelManifest = current ?? { schema: 1, id: repo, sha, revisions: [], quants: {} };
      return withRevision({ ...base, quants: { ...base.quants, [entry.quant]: entry } }, revision);
    },
    warnings,
  );
  await moveRevision(atlasHome, repo, sha, revision, warnings);
}

/** A branch/tag name now points at `sha`: other commits of the repo stop claiming it. */
async function moveRevision(
  atlasHome: string,
  repo: string,
  sha: string,
  revision: string,
  warnings: StoreOptions,
): Promise<void> {
  if (isCommitSha(revision)) return;
  const paths = storePaths(atlasHome);
  const shas = await readdir(paths.repoDir(repo)).catch(() => [] as string[]);
  for (const other of shas.filter((s) => s !== sha && isCommitSha(s))) {
    const manifest = await loadManifest(atlasHome, repo, other, warnings);
    if (manifest?.revisions.includes(revision) !== true) continue;
    await updateManifest(
      atlasHome,
      repo,
      other,
      (m) => m && { ...m, revisions: m.revisions.filter((r) => r !== revision) },
      warnings,
    );
  }
}

/** Offline, with no `refs/` in the HF cache: the commit the store last saw `revision` at. */
export async function shaFromStore(
  atlasHome: string,
  repo: string,
  revision: string,
  warnings: StoreOptions = {},
): Promise<string | undefined> {
  const paths = storePaths(atlasHome);
  const shas = await readdir(paths.repoDir(repo)).catch(() => [] as string[]);
  for (const sha of shas.filter(isCommitSha)) {
    const manifest = await loadManifest(atlasHome, repo, sha, warnings);
    if (manifest?.revisions.includes(revision) === true) return sha;
  }
  return undefined;
}
