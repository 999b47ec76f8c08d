/** Reading the created models: list them, find one by name, remove one. */
import { readdir, rm, rmdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { AtlasError, withLock } from "../../core/index.js";
import { atlasHome as defaultAtlasHome } from "../../config/index.js";
import type { StoreOptions } from "../manifest.js";
import { createdModelOf, createdPaths, readCreatedManifest, type CreatedModel } from "./created-store.js";
import { checkModelName, formatModelName, parseModelName } from "./model-name.js";

async function names(dir: string, files: boolean): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter(
        (e) => !e.name.startsWith(".") && (files ? e.isFile() && e.name.endsWith(".json") : e.isDirectory()),
      )
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** Every manifest file under `created/manifests/`. */
export async function createdManifestFiles(atlasHome: string): Promise<string[]> {
  const root = createdPaths(atlasHome).manifests;
  const out: string[] = [];
  for (const namespace of await names(root, false))
    for (const model of await names(join(root, namespace), false))
      for (const tag of await names(join(root, namespace, model), true))
        out.push(join(root, namespace, model, tag));
  return out;
}

function warn(options: StoreOptions, message: string): void {
  (options.onWarning ?? ((m: string) => process.emitWarning(m)))(message);
}

async function present(model: CreatedModel, options: StoreOptions): Promise<boolean> {
  for (const path of [model.path, ...model.adapters]) {
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() !== true) {
      warn(
        options,
        `${model.manifestPath}: created model '${model.name}' lost its file ${path} — recreate it with \`atlas create\`, or remove it with \`atlas rm ${model.name}\``,
      );
      return false;
    }
  }
  return true;
}

/**
 * Every created model whose files are present, sorted by name. A damaged manifest or a missing file is
 * reported through `onWarning` and left out.
 */
export async function listCreatedModels(options: StoreOptions = {}): Promise<CreatedModel[]> {
  const home = options.atlasHome ?? defaultAtlasHome(options.env);
  const out: CreatedModel[] = [];
  for (const path of await createdManifestFiles(home)) {
    const read = await readCreatedManifest(path);
    if (read.kind === "corrupt") {
      warn(options, `${path}: the created model's manifest is damaged (${read.reason}); it is skipped`);
      continue;
    }
    if (read.kind === "missing") continue;
    const model = createdModelOf(home, read.manifest, path);
    if (await present(model, options)) out.push(model);
  }
  return out.sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
}

/**
 * The created model `name` stands for (`Atlas-Chat-2B`, `atlas-chat-2b:latest`, `me/tutor:v2`, any case);
 * undefined when `name` is not a model name or no such model was created. Never reads `name` as a path.
 */
export async function findCreatedModel(
  name: string,
  options: StoreOptions = {},
): Promise<CreatedModel | undefined> {
  const parsed = parseModelName(name);
  if (parsed === undefined) return undefined;
  const home = options.atlasHome ?? defaultAtlasHome(options.env);
  const path = createdPaths(home).manifest(parsed);
  const read = await readCreatedManifest(path);
  if (read.kind === "missing") return undefined;
  if (read.kind === "corrupt")
    throw new AtlasError(
      "INVALID_MODEL",
      `the manifest of created model '${formatModelName(parsed)}' is damaged (${read.reason})`,
      {
        where: path,
        hint: `recreate it with \`atlas create ${formatModelName(parsed)} -f Modelfile\`, or remove it with \`atlas rm ${formatModelName(parsed)}\``,
      },
    );
  const model = createdModelOf(home, read.manifest, path);
  for (const file of [model.path, ...model.adapters]) {
    const info = await stat(file).catch(() => undefined);
    if (info?.isFile() !== true)
      throw new AtlasError("NOT_FOUND", `created model '${model.name}' lost its file`, {
        where: file,
        hint: `recreate it with \`atlas create\`, or remove it with \`atlas rm ${model.name}\``,
      });
  }
  return model;
}

/** Options of the created-store lock (commits and removals are short: waiting a minute is plenty). */
export const CREATED_LOCK = { timeoutMs: 60_000, purpose: "update of the created models", pruneFolder: true };

/**
 * Removes the created model `name` (its manifest, then its files). Models made from it keep working: they
 * hold their own links to the files.
 * @throws AtlasError NOT_FOUND when no model of that name was created; BAD_ARGUMENT for an invalid name
 */
export async function removeCreatedModel(
  name: string,
  options: StoreOptions = {},
): Promise<{ name: string; path: string; bytes: number }> {
  const parsed = checkModelName(name);
  const home = options.atlasHome ?? defaultAtlasHome(options.env);
  const paths = createdPaths(home);
  const manifestPath = paths.manifest(parsed);
  return withLock(paths.lock, CREATED_LOCK, async () => {
    const read = await readCreatedManifest(manifestPath);
    if (read.kind === "missing")
      throw new AtlasError("NOT_FOUND", `no model named '${formatModelName(parsed)}' was created`, {
        hint: "see `atlas list`",
      });
    await rm(manifestPath, { force: true });
    // Empty <namespace>/<model> folders go too (rmdir leaves a folder that still holds other tags).
    await rmdir(dirname(manifestPath))
      .then(() => rmdir(dirname(dirname(manifestPath))))
      .catch(() => undefined);
    if (read.kind === "corrupt") return { name: formatModelName(parsed), path: manifestPath, bytes: 0 };
    const model = createdModelOf(home, read.manifest, manifestPath);
    await rm(model.objectDir, { recursive: true, force: true });
    return { name: model.name, path: model.path, bytes: read.manifest.bytes };
  });
}
