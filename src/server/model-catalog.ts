/**
 * The models a server can serve, by name: those given to `atlas serve --model` (by the name they were
 * given), names made with `/api/copy` (kept in `$ATLAS_HOME/serve-names.json`), and every model in the
 * store (`org/name:quant`, also reachable as `atlas-chat:2b`, `org/name`). Lookups only ever match names
 * against these lists; the GGUF paths come from the store or the command line, never from a request.
 */
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { inspectModel, type ModelSummary } from "../api/index.js";
import { AtlasError, isAtlasError } from "../core/index.js";
import { listModels, removeModel, writeJsonAtomically, type StoredModel } from "../store/index.js";
import { checkModelName, modelNotFound, pickStoredModel, sameName, storedModelName } from "./model-names.js";

/** A model given on the command line: the name clients use and its GGUF file. */
export interface ConfiguredModel {
  name: string;
  path: string;
}

/** One servable model. */
export interface CatalogEntry {
  /** The name it is listed under. */
  name: string;
  /** The GGUF file. */
  path: string;
  source: "configured" | "store" | "copy";
  sizeBytes: number;
  modifiedAt: Date;
  /** sha256 of the file's identity (path, size, mtime): stable while the file is unchanged. */
  digest: string;
  /** Quantization as the store names it (`q8_0`), when known. */
  quant: string | undefined;
  /** The hub repo of a store model. */
  repo: string | undefined;
}

interface NamesFile {
  names: Record<string, string>;
}

async function identity(path: string): Promise<{ size: number; mtime: Date; digest: string } | undefined> {
  const s = await stat(path).catch(() => undefined);
  if (s === undefined || !s.isFile()) return undefined;
  const digest = createHash("sha256").update(`${path}\0${s.size}\0${s.mtimeMs}`).digest("hex");
  return { size: s.size, mtime: s.mtime, digest };
}

export class ModelCatalog {
  private readonly summaries = new Map<string, Promise<ModelSummary>>();
  private namesWrite: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly configured: readonly ConfiguredModel[],
    private readonly atlasHome: string,
  ) {}

  private get namesPath(): string {
    return join(this.atlasHome, "serve-names.json");
  }

  private async readNames(): Promise<Record<string, string>> {
    try {
      const parsed = JSON.parse(await readFile(this.namesPath, "utf8")) as Partial<NamesFile>;
      return typeof parsed.names === "object" && parsed.names !== null ? parsed.names : {};
    } catch {
      return {};
    }
  }

  private async stored(): Promise<StoredModel[]> {
    return listModels({ atlasHome: this.atlasHome });
  }

  private async configuredEntry(model: ConfiguredModel): Promise<CatalogEntry | undefined> {
    const id = await identity(model.path);
    if (id === undefined) return undefined;
    return {
      name: model.name,
      path: model.path,
      source: "configured",
      sizeBytes: id.size,
      modifiedAt: id.mtime,
      digest: id.digest,
      quant: undefined,
      repo: undefined,
    };
  }

  private async storeEntry(model: StoredModel, name = storedModelName(model)): Promise<CatalogEntry> {
    const id = await identity(model.path);
    return {
      name,
      path: model.path,
      source: "store",
      sizeBytes: model.bytes,
      modifiedAt: new Date(model.createdAt),
      digest: id?.digest ?? createHash("sha256").update(model.path).digest("hex"),
      quant: model.quant,
      repo: model.id,
    };
  }

  /** Every servable model: configured first, then copies, then the store. */
  async list(): Promise<CatalogEntry[]> {
    const out: CatalogEntry[] = [];
    for (const model of this.configured) {
      const entry = await this.configuredEntry(model);
      if (entry !== undefined) out.push(entry);
    }
    for (const name of Object.keys(await this.readNames())) {
      const entry = await this.find(name).catch(() => undefined);
      if (entry !== undefined) out.push(entry);
    }
    for (const model of await this.stored()) out.push(await this.storeEntry(model));
    return out;
  }

  /**
   * The model a request's name stands for.
   * @throws AtlasError BAD_ARGUMENT for a malformed name, NOT_FOUND (with the `atlas pull` hint)
   */
  async find(requested: string, depth = 0): Promise<CatalogEntry> {
    const name = checkModelName(requested);
    const configured = this.configured.find((m) => sameName(m.name, name));
    if (configured !== undefined) {
      const entry = await this.configuredEntry(configured);
      if (entry === undefined)
        throw new AtlasError("NOT_FOUND", `the file of model '${name}' is gone`, { where: configured.path });
      return entry;
    }
    const names = await this.readNames();
    const copied = Object.entries(names).find(([n]) => sameName(n, name));
    if (copied !== undefined && depth < 4) {
      const target = await this.find(copied[1], depth + 1);
      return { ...target, name: copied[0], source: "copy" };
    }
    const stored = pickStoredModel(await this.stored(), name);
    if (stored === undefined) throw modelNotFound(name);
    return this.storeEntry(stored, name);
  }

  /** What is inside a model file (metadata, template), read once per file version. */
  async summary(entry: CatalogEntry): Promise<ModelSummary> {
    const key = `${entry.path}\0${entry.digest}`;
    let summary = this.summaries.get(key);
    if (summary === undefined) {
      summary = inspectModel(entry.path);
      summary.catch(() => this.summaries.delete(key));
      this.summaries.set(key, summary);
    }
    return summary;
  }

  /** `/api/copy`: `destination` becomes another name of `source`'s model. */
  async copy(source: string, destination: string): Promise<void> {
    const dest = checkModelName(destination, "destination");
    const entry = await this.find(source);
    if (this.configured.some((m) => sameName(m.name, dest)))
      throw new AtlasError("BAD_ARGUMENT", `'${dest}' is the name of a model given with --model`, {
        details: { field: "destination" },
      });
    await this.updateNames((names) => {
      for (const n of Object.keys(names)) if (sameName(n, dest)) delete names[n];
      names[dest] = entry.source === "copy" ? (names[entry.name] ?? entry.name) : entry.name;
    });
  }

  /**
   * `/api/delete`: removes a name made with copy, or the stored model itself (`atlas rm`).
   * @returns the path of the removed model file, if a file was removed
   */
  async remove(requested: string): Promise<string | undefined> {
    const name = checkModelName(requested);
    if (this.configured.some((m) => sameName(m.name, name)))
      throw new AtlasError("BAD_ARGUMENT", `'${name}' was given with --model; it is not in the store`, {
        hint: "restart the server without it",
        details: { field: "model" },
      });
    const names = await this.readNames();
    if (Object.keys(names).some((n) => sameName(n, name))) {
      await this.updateNames((all) => {
        for (const n of Object.keys(all)) if (sameName(n, name)) delete all[n];
      });
      return undefined;
    }
    const entry = await this.find(name);
    try {
      if (entry.repo === undefined) throw modelNotFound(name);
      // removeModel refuses paths, so even a repo id that exists as a folder here removes nothing else.
      const removed = await removeModel(entry.repo, { atlasHome: this.atlasHome, quant: entry.quant });
      return removed[0]?.path;
    } catch (error) {
      if (isAtlasError(error, "NOT_FOUND")) throw modelNotFound(name);
      throw error;
    }
  }

  private async updateNames(change: (names: Record<string, string>) => void): Promise<void> {
    const next = this.namesWrite.then(async () => {
      const names = await this.readNames();
      change(names);
      await writeJsonAtomically(this.namesPath, { names } satisfies NamesFile);
    });
    this.namesWrite = next.catch(() => {});
    await next;
  }
}
