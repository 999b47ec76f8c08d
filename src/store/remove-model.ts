/** `atlas rm`: delete stored GGUFs (the HF cache, which Python may share, is left alone). */
import { readdir, rm, rmdir } from "node:fs/promises";
import { dirname } from "node:path";
import { AtlasError, withLock } from "../core/index.js";
import { atlasHome as defaultAtlasHome } from "../config/index.js";
import { listModels, type StoredModel } from "./list-models.js";
import { updateManifest, type StoreOptions } from "./manifest.js";
import { parseModelRef } from "./model-ref.js";
import { storePaths } from "./store-layout.js";

/** Options of {@link removeModel}. */
export interface RemoveModelOptions extends StoreOptions {
  /** Remove this quantization (also accepted as `model:quant`). */
  quant?: string | undefined;
  /** Remove every quantization of every stored commit. */
  allQuants?: boolean | undefined;
  /** How long to wait when a pull is writing that quant (default 5 s, then BUSY). */
  lockTimeoutMs?: number | undefined;
}

/** One removed file. */
export interface RemovedModel {
  id: string;
  sha: string;
  quant: string;
  path: string;
  bytes: number;
}

/** Removes empty folders from `dir` up to (not including) `stop`. */
async function pruneEmpty(dir: string, stop: string): Promise<void> {
  let current = dir;
  while (current.startsWith(stop) && current !== stop) {
    const entries = await readdir(current).catch(() => undefined);
    if (entries === undefined) return;
    if (entries.length > 0) {
      if (entries.every((e) => e === ".locks"))
        await rm(`${current}/.locks`, { recursive: true, force: true });
      else return;
    }
    await rmdir(current).catch(() => undefined);
    current = dirname(current);
  }
}

function choose(ref: string, stored: StoredModel[], quant: string | undefined, all: boolean): StoredModel[] {
  if (all) return stored;
  const quants = [...new Set(stored.map((m) => m.quant))];
  if (quant !== undefined) {
    const hits = stored.filter((m) => m.quant === quant);
    if (hits.length === 0)
      throw new AtlasError(
        "NOT_FOUND",
        `model '${ref}' has no ${quant} in the store (stored: ${quants.join(", ")})`,
      );
    return hits;
  }
  if (quants.length > 1)
    throw new AtlasError(
      "BAD_ARGUMENT",
      `model '${ref}' is stored in several quantizations: ${quants.join(", ")}`,
      {
        hint: "pass --quant <q> to remove one, or --all-quants to remove them all",
      },
    );
  return stored;
}

/**
 * Removes the stored GGUF(s) of `model` (alias or `org/name[:quant]`): one quant (`quant`), all
 * (`allQuants`), or — when only one quant is stored — that one. Each file is removed under its quant
 * lock, so a pull writing it makes this fail with BUSY instead of racing.
 * @throws AtlasError NOT_FOUND when nothing matches; BAD_ARGUMENT when the choice is ambiguous or a
 *   local path is given; BUSY.
 */
export async function removeModel(model: string, options: RemoveModelOptions = {}): Promise<RemovedModel[]> {
  const home = options.atlasHome ?? defaultAtlasHome(options.env);
  const ref = parseModelRef(model);
  if (ref.kind === "path")
    throw new AtlasError("BAD_ARGUMENT", `'${model}' is a path: atlas rm removes models of the atlas store`, {
      hint: "see `atlas list`; delete your own files yourself",
    });
  const stored = (await listModels({ atlasHome: home, onWarning: options.onWarning })).filter(
    (m) => m.id.toLowerCase() === ref.repo.toLowerCase(),
  );
  if (stored.length === 0)
    throw new AtlasError("NOT_FOUND", `model '${model}' is not in the store`, { hint: "see `atlas list`" });
  const targets = choose(
    model,
    stored,
    options.quant?.toLowerCase() ?? ref.quant,
    options.allQuants === true,
  );
  const paths = storePaths(home);
  const removed: RemovedModel[] = [];
  for (const target of targets) {
    await withLock(
      paths.quantLock(target.id, target.sha, target.quant),
      {
        timeoutMs: options.lockTimeoutMs ?? 5000,
        purpose: `removal of ${target.id} ${target.quant}`,
        pruneFolder: true,
      },
      async () => {
        await updateManifest(
          home,
          target.id,
          target.sha,
          (m) => {
            if (m === undefined) return undefined;
            const quants = Object.fromEntries(Object.entries(m.quants).filter(([q]) => q !== target.quant));
            return Object.keys(quants).length === 0 ? undefined : { ...m, quants };
          },
          options,
        );
        await rm(target.path, { force: true });
      },
    );
    removed.push({
      id: target.id,
      sha: target.sha,
      quant: target.quant,
      path: target.path,
      bytes: target.bytes,
    });
    await pruneEmpty(paths.shaDir(target.id, target.sha), paths.models);
  }
  return removed;
}
