/**
 * Loaded models: loads on first use, shares one loaded model between every request (and every name) for
 * the same file, keeps it for `keep_alive` after its last request like Ollama (negative = forever, 0 =
 * unload when idle), and unloads the least recently used idle model when another one would exceed the
 * model count or the memory budget. Models given with `--model` stay loaded unless a request says
 * otherwise.
 */
import type { AtlasModel } from "../api/index.js";
import { AtlasError } from "../core/index.js";
import type { CatalogEntry, ModelCatalog } from "./model-catalog.js";

/** Options of {@link ModelManager}. */
export interface ModelManagerOptions {
  catalog: ModelCatalog;
  /** Loads a GGUF (the server's load options already applied). */
  load: (path: string) => Promise<AtlasModel>;
  /** keep_alive of requests that give none, in ms (negative = forever). Default 5 minutes. */
  keepAliveMs?: number;
  /** Models loaded at once at most. Default 3 (Ollama's default on CPU). */
  maxLoaded?: number;
  /** Bytes of model files loaded at once at most (one model always loads). Default unlimited. */
  memoryBudgetBytes?: number;
  /** Names of the models given with --model (kept loaded by default). */
  pinned?: readonly string[];
}

/** A loaded model handed to one request; `release` when the request ends. */
export interface ModelLease {
  model: AtlasModel;
  entry: CatalogEntry;
  /** Time spent loading for this request (0 when it was loaded already). */
  loadMs: number;
  /** Ends the lease; `keepAliveMs` (the request's keep_alive) overrides the default. */
  release(keepAliveMs?: number): void;
}

/** A model in memory, for `/api/ps` and metrics. */
export interface LoadedModel {
  entry: CatalogEntry;
  model: AtlasModel;
  /** When it will be unloaded if no request comes (Infinity = never). */
  expiresAt: number;
  leases: number;
}

interface Slot {
  entry: CatalogEntry;
  pinned: boolean;
  model: AtlasModel | undefined;
  loading: Promise<AtlasModel>;
  leases: number;
  lastUsed: number;
  keepAliveMs: number;
  expiresAt: number;
  timer: NodeJS.Timeout | undefined;
}

export const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000;

export class ModelManager {
  private readonly slots = new Map<string, Slot>();
  private readonly disposing = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: ModelManagerOptions) {}

  private get keepAliveMs(): number {
    return this.options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
  }

  /**
   * The model `name` stands for, loaded (waiting for a load in progress).
   * @throws AtlasError NOT_FOUND / BAD_ARGUMENT for the name, CAPACITY when every loaded model is busy and
   *   no other fits, UNLOADED while the server shuts down, the loader's errors
   */
  async acquire(name: string): Promise<ModelLease> {
    const entry = await this.options.catalog.find(name);
    this.checkOpen();
    let slot = this.slots.get(entry.path);
    if (slot === undefined) slot = this.startLoading(entry);
    slot.leases++;
    this.clearTimer(slot);
    const started = performance.now();
    const wasLoading = slot.model === undefined;
    let model: AtlasModel;
    try {
      model = await slot.loading;
    } catch (error) {
      slot.leases--;
      throw error;
    }
    const held = slot;
    let released = false;
    return {
      model,
      entry,
      loadMs: wasLoading ? performance.now() - started : 0,
      release: (keepAliveMs) => {
        if (released) return;
        released = true;
        this.release(held, keepAliveMs);
      },
    };
  }

  /** Unloads the model `name` stands for once its requests end (keep_alive 0). True if it was loaded. */
  async unload(name: string): Promise<boolean> {
    const entry = await this.options.catalog.find(name);
    const slot = this.slots.get(entry.path);
    if (slot === undefined) return false;
    slot.keepAliveMs = 0;
    if (slot.leases === 0) await this.drop(slot);
    return true;
  }

  /** Unloads whatever is loaded from `path` (its file is being deleted). */
  async unloadPath(path: string): Promise<void> {
    const slot = this.slots.get(path);
    if (slot !== undefined) await this.drop(slot);
  }

  /** Models in memory (not those still loading). */
  loaded(): LoadedModel[] {
    const out: LoadedModel[] = [];
    for (const slot of this.slots.values()) {
      if (slot.model === undefined) continue;
      const expiresAt = slot.leases > 0 ? this.expiry(Date.now(), slot.keepAliveMs) : slot.expiresAt;
      out.push({ entry: slot.entry, model: slot.model, expiresAt, leases: slot.leases });
    }
    return out;
  }

  /** Unloads everything and refuses new requests. In-flight generations end with `abort`. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = [...this.slots.values()];
    for (const slot of slots) void this.drop(slot);
    await Promise.all([...this.disposing]);
  }

  private checkOpen(): void {
    if (this.closed)
      throw new AtlasError("UNLOADED", "the server is shutting down", { details: { retryAfterMs: 5000 } });
  }

  private expiry(from: number, keepAliveMs: number): number {
    return keepAliveMs < 0 ? Number.POSITIVE_INFINITY : from + keepAliveMs;
  }

  private startLoading(entry: CatalogEntry): Slot {
    const victims = this.makeRoom(entry);
    const pinned = (this.options.pinned ?? []).includes(entry.name);
    const slot: Slot = {
      entry,
      pinned,
      model: undefined,
      loading: Promise.resolve(undefined as unknown as AtlasModel),
      leases: 0,
      lastUsed: Date.now(),
      keepAliveMs: pinned ? -1 : this.keepAliveMs,
      expiresAt: Number.POSITIVE_INFINITY,
      timer: undefined,
    };
    slot.loading = (async () => {
      // Memory first: the evicted models are gone before the new one maps its weights.
      await Promise.all(victims);
      const model = await this.options.load(entry.path);
      if (this.closed || this.slots.get(entry.path) !== slot) {
        await model.dispose();
        throw new AtlasError("UNLOADED", `model '${entry.name}' was unloaded while it loaded`, {
          details: { retryAfterMs: 1000 },
        });
      }
      slot.model = model;
      return model;
    })();
    slot.loading.catch(() => {
      if (this.slots.get(entry.path) === slot) this.slots.delete(entry.path);
    });
    this.slots.set(entry.path, slot);
    return slot;
  }

  /** Evicts idle models (least recently used first) until `entry` fits; returns their disposals. */
  private makeRoom(entry: CatalogEntry): Promise<void>[] {
    const maxLoaded = this.options.maxLoaded ?? 3;
    const budget = this.options.memoryBudgetBytes ?? Number.POSITIVE_INFINITY;
    const disposals: Promise<void>[] = [];
    const used = (): number => [...this.slots.values()].reduce((n, s) => n + s.entry.sizeBytes, 0);
    while (this.slots.size > 0 && (this.slots.size >= maxLoaded || used() + entry.sizeBytes > budget)) {
      const idle = [...this.slots.values()]
        .filter((s) => s.leases === 0 && s.model !== undefined)
        .sort((a, b) => Number(a.pinned) - Number(b.pinned) || a.lastUsed - b.lastUsed);
      const victim = idle[0];
      if (victim === undefined)
        throw new AtlasError(
          "CAPACITY",
          `cannot load '${entry.name}' now: ${this.slots.size} loaded model(s) are busy and no more fit (at most ${maxLoaded} models${Number.isFinite(budget) ? `, ${budget} bytes` : ""})`,
          {
            hint: "retry when a request ends, or raise --max-loaded / --memory-budget",
            details: { retryAfterMs: 2000 },
          },
        );
      disposals.push(this.drop(victim));
    }
    return disposals;
  }

  private release(slot: Slot, keepAliveMs: number | undefined): void {
    slot.leases--;
    slot.lastUsed = Date.now();
    if (keepAliveMs !== undefined) slot.keepAliveMs = keepAliveMs;
    if (slot.leases > 0 || this.slots.get(slot.entry.path) !== slot) return;
    if (slot.keepAliveMs === 0) {
      void this.drop(slot);
      return;
    }
    slot.expiresAt = this.expiry(slot.lastUsed, slot.keepAliveMs);
    this.arm(slot);
  }

  /** Unloads an idle slot at its expiry. Node's timers wait at most 2^31-1 ms, so long waits re-arm. */
  private arm(slot: Slot): void {
    this.clearTimer(slot);
    if (!Number.isFinite(slot.expiresAt)) return;
    const remaining = slot.expiresAt - Date.now();
    if (remaining <= 0) {
      void this.drop(slot);
      return;
    }
    slot.timer = setTimeout(
      () => {
        slot.timer = undefined;
        if (slot.leases === 0) this.arm(slot);
      },
      Math.min(remaining, 2 ** 31 - 1),
    );
    slot.timer.unref();
  }

  private clearTimer(slot: Slot): void {
    if (slot.timer !== undefined) clearTimeout(slot.timer);
    slot.timer = undefined;
  }

  /** Forgets a slot and disposes its model (running generations end with `abort`). */
  private drop(slot: Slot): Promise<void> {
    this.clearTimer(slot);
    if (this.slots.get(slot.entry.path) === slot) this.slots.delete(slot.entry.path);
    const disposal = (async () => {
      const model = slot.model ?? (await slot.loading.catch(() => undefined));
      await model?.dispose();
    })();
    this.disposing.add(disposal);
    void disposal.finally(() => this.disposing.delete(disposal));
    return disposal;
  }
}
