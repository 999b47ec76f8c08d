/** `atlas list`: the models in the store, read from their manifests. */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { atlasHome as defaultAtlasHome } from "../config/index.js";
import { isCommitSha, isRepoId } from "../hub/index.js";
import { loadManifest, type ManifestSourceFile, type StoreOptions } from "./manifest.js";

/** One stored model file. */
export interface StoredModel {
  /** `org/name` */
  id: string;
  sha: string;
  /** Branch/tag names pointing at this commit when it was pulled (may be empty for a sha pull). */
  revisions: string[];
  /** The revision asked for when this quant was pulled. */
  revision: string;
  quant: string;
  path: string;
  bytes: number;
  createdAt: string;
  source: "converted" | "gguf";
  atlasVersion: string;
  fileType?: number;
  sourceFiles: ManifestSourceFile[];
}

/** Options of {@link listModels}. A corrupt manifest is rebuilt and reported through `onWarning`. */
export type ListModelsOptions = StoreOptions;

async function subdirs(path: string): Promise<string[]> {
  try {
    return (await readdir(path, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && !e.name.startsWith("."))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/**
 * Every stored model whose GGUF file is present, sorted by id, then newest first.
 * Entries whose file vanished (deleted by hand) are left out.
 */
export async function listModels(options: ListModelsOptions = {}): Promise<StoredModel[]> {
  const home = options.atlasHome ?? defaultAtlasHome(options.env);
  const models = join(home, "models");
  const out: StoredModel[] = [];
  for (const org of await subdirs(models))
    for (const name of await subdirs(join(models, org)))
      for (const sha of await subdirs(join(models, org, name))) {
        const dir = join(models, org, name, sha);
        const repo = `${org}/${name}`;
        // Only folders the store makes: `<org>/<name>/<sha>`.
        if (!isRepoId(repo) || !isCommitSha(sha)) continue;
        const manifest = await loadManifest(home, repo, sha, options);
        if (manifest === undefined) continue;
        for (const entry of Object.values(manifest.quants)) {
          const path = join(dir, entry.file);
          const size = await stat(path).then(
            (s) => s.size,
            () => undefined,
          );
          if (size === undefined) continue;
          out.push({
            id: manifest.id,
            sha: manifest.sha,
            revisions: manifest.revisions,
            revision: entry.revision,
            quant: entry.quant,
            path,
            bytes: size,
            createdAt: entry.createdAt,
            source: entry.source,
            atlasVersion: entry.atlasVersion,
            ...(entry.fileType === undefined ? {} : { fileType: entry.fileType }),
            sourceFiles: entry.sourceFiles,
          });
        }
      }
  return out.sort((a, b) =>
    a.id === b.id
      ? b.createdAt.localeCompare(a.createdAt) || a.quant.localeCompare(b.quant)
      : a.id.localeCompare(b.id),
  );
}
