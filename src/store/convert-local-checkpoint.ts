/**
 * Local Hugging Face checkpoint folders are converted on the fly into
 * `$ATLAS_HOME/converted/<fingerprint>/<quant>.gguf`. The fingerprint covers the folder's real path and
 * the names, sizes and mtimes of its files, so an edited checkpoint is converted again and an unchanged
 * one is reused; older conversions of the same folder are removed.
 */
import { createHash } from "node:crypto";
import { readFile, readdir, realpath, rm, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { AtlasError, ioError, withLock } from "../core/index.js";
import {
  convertModel,
  type ConvertOptions,
  type ConvertProgress,
  type ConvertResult,
  type OutputType,
} from "../convert/index.js";
import { writeJsonAtomically } from "./manifest.js";

/** The converter's signature (injectable so tests of the store can use a fake). */
export type ConvertFn = (options: ConvertOptions) => Promise<ConvertResult>;

/** Options of {@link convertLocalCheckpoint}. */
export interface ConvertLocalCheckpointOptions {
  folder: string;
  quant: OutputType;
  atlasHome: string;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: ConvertProgress) => void) | undefined;
  /** Called when another process is converting the same folder and we wait for it. */
  onWait?: (() => void) | undefined;
  convert?: ConvertFn | undefined;
  threads?: number | undefined;
  /** How long to wait for another process converting the same thing (default 3 h). */
  lockTimeoutMs?: number | undefined;
}

/** Where the GGUF is and whether this call made it. */
export interface ConvertLocalCheckpointResult {
  path: string;
  /** False when an earlier conversion of the unchanged folder was reused. */
  converted: boolean;
}

interface Fingerprint {
  folder: string;
  files: { name: string; size: number; mtimeMs: number }[];
}

async function fingerprint(folder: string): Promise<Fingerprint> {
  const real = await realpath(folder);
  const names = (await readdir(real)).filter((n) => !n.startsWith(".")).sort();
  const files: Fingerprint["files"] = [];
  for (const name of names) {
    // stat follows symlinks: an HF snapshot folder is all links into blobs/.
    const s = await stat(join(real, name)).catch(() => undefined);
    if (s?.isFile() === true) files.push({ name, size: s.size, mtimeMs: Math.round(s.mtimeMs) });
  }
  return { folder: real, files };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function pruneOlder(convertedDir: string, keep: string, folder: string): Promise<void> {
  const entries = await readdir(convertedDir).catch(() => [] as string[]);
  for (const entry of entries) {
    if (entry === keep) continue;
    try {
      const source = JSON.parse(await readFile(join(convertedDir, entry, "source.json"), "utf8")) as {
        folder?: unknown;
      };
      if (source.folder === folder) await rm(join(convertedDir, entry), { recursive: true, force: true });
    } catch {
      // Not ours or half-written: leave it.
    }
  }
}

/**
 * Converts (or reuses the conversion of) the checkpoint in `folder`.
 * @throws AtlasError NOT_FOUND when `folder` has no config.json; the converter's errors otherwise.
 */
export async function convertLocalCheckpoint(
  options: ConvertLocalCheckpointOptions,
): Promise<ConvertLocalCheckpointResult> {
  if (!(await exists(join(options.folder, "config.json"))))
    throw new AtlasError(
      "NOT_FOUND",
      "this folder holds no config.json, so it is not a Hugging Face checkpoint",
      {
        where: options.folder,
        hint: "give a .gguf file, a checkpoint folder (config.json + *.safetensors) or a model id",
      },
    );
  let print: Fingerprint;
  try {
    print = await fingerprint(options.folder);
  } catch (error) {
    throw ioError("cannot read the checkpoint folder", options.folder, error);
  }
  const key = createHash("sha256").update(JSON.stringify(print)).digest("hex").slice(0, 20);
  const convertedDir = join(options.atlasHome, "converted");
  const dir = join(convertedDir, key);
  const output = join(dir, `${options.quant}.gguf`);
  if (await exists(output)) return { path: output, converted: false };
  try {
    return await convertLocked(options, print, dir, output, convertedDir, key);
  } catch (error) {
    // A failed conversion leaves no empty `converted/<fingerprint>/` folder behind (its `.locks/` went
    // with the lock); rmdir only removes it when empty, so a concurrent success is never touched.
    await rmdir(dir).catch(() => undefined);
    throw error;
  }
}

async function convertLocked(
  options: ConvertLocalCheckpointOptions,
  print: Fingerprint,
  dir: string,
  output: string,
  convertedDir: string,
  key: string,
): Promise<ConvertLocalCheckpointResult> {
  return withLock(
    join(dir, ".locks", `${options.quant}.lock`),
    {
      timeoutMs: options.lockTimeoutMs ?? 3 * 3600_000,
      signal: options.signal,
      purpose: `conversion of ${print.folder} to ${options.quant}`,
      pruneFolder: true,
      ...(options.onWait === undefined ? {} : { onWait: () => options.onWait?.() }),
    },
    async () => {
      if (await exists(output)) return { path: output, converted: false };
      await (options.convert ?? convertModel)({
        input: print.folder,
        output,
        type: options.quant,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
        ...(options.threads === undefined ? {} : { threads: options.threads }),
      });
      await writeJsonAtomically(join(dir, "source.json"), { ...print, createdAt: new Date().toISOString() });
      await pruneOlder(convertedDir, key, print.folder);
      return { path: output, converted: true };
    },
  );
}
