/**
 * What a model (or adapter) is to be made from, looked at before anything is written: a checkpoint folder,
 * a GGUF file, an existing model, or uploaded blobs (their names checked as Ollama checks them: relative
 * paths, no `..`; their type detected as Ollama does: `.safetensors` → a checkpoint, `.gguf` or GGUF magic
 * → a GGUF).
 */
import { open, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { AtlasError } from "../../core/index.js";
import { ggufNumber, ggufString, readGguf } from "../../convert/index.js";
import { listModels, type StoredModel } from "../list-models.js";
import type { StoreOptions } from "../manifest.js";
import { DEFAULT_QUANT } from "../store-layout.js";
import { blobPath, normalizeBlobDigest } from "./blob-store.js";
import type { CreatedModel } from "./created-store.js";
import type { CreateSource } from "./create-types.js";
import { findCreatedModel } from "./list-created-models.js";
import { hubRepoOfName } from "./model-name.js";

/** A base, resolved. */
export type ResolvedBase =
  | { kind: "checkpoint"; folder: string }
  | { kind: "checkpoint-blobs"; files: Map<string, string> }
  /** `files`: the uploaded blobs it is (its one name → digest). `name`: its file name. */
  | { kind: "gguf"; path: string; name: string; files?: Map<string, string> }
  | { kind: "created"; model: CreatedModel }
  | { kind: "stored"; model: StoredModel; name: string };

/** At most this many files in one `files` map (a checkpoint has ~10; sharded 27B ones ~30). */
export const MAX_CREATE_FILES = 512;

/**
 * Checks `/api/create` file names (Go's fs.ValidPath plus no backslashes or control characters) and
 * digests; returns name → normalised digest.
 * @throws AtlasError BAD_ARGUMENT `file path must be relative` (Ollama's words) or `invalid digest format`
 */
export function checkBlobFiles(files: Readonly<Record<string, string>>, field: string): Map<string, string> {
  const entries = Object.entries(files);
  if (entries.length === 0) throw new AtlasError("BAD_ARGUMENT", "no files provided", { details: { field } });
  if (entries.length > MAX_CREATE_FILES)
    throw new AtlasError("BAD_ARGUMENT", `${entries.length} files; at most ${MAX_CREATE_FILES}`, {
      details: { field, limit: MAX_CREATE_FILES, actual: entries.length },
    });
  const out = new Map<string, string>();
  for (const [name, digest] of entries) {
    const parts = name.split("/");
    if (
      name.length > 1024 ||
      parts.some((p) => p === "" || p === "." || p === ".." || p.length > 255) ||
      [...name].some((c) => c === "\\" || c.charCodeAt(0) < 0x20)
    )
      throw new AtlasError("BAD_ARGUMENT", `file path must be relative: '${name.slice(0, 100)}'`, {
        hint: "name each file by its path inside the model folder, e.g. model.gguf or config.json",
        details: { field },
      });
    if (typeof digest !== "string")
      throw new AtlasError("BAD_ARGUMENT", `the digest of ${name} must be text`, { details: { field } });
    out.set(name, normalizeBlobDigest(digest));
  }
  return out;
}

async function isGgufBlob(path: string): Promise<boolean> {
  const file = await open(path, "r").catch(() => undefined);
  if (file === undefined) return false;
  try {
    const magic = Buffer.alloc(4);
    await file.read(magic, 0, 4, 0);
    return magic.toString("latin1") === "GGUF";
  } finally {
    await file.close();
  }
}

/**
 * Blobs by name → what they are: a safetensors checkpoint, or one GGUF.
 * @throws AtlasError NOT_FOUND for a blob not uploaded; BAD_ARGUMENT `unknown type`; UNSUPPORTED for
 *   several GGUF files
 */
export async function classifyBlobs(
  files: Map<string, string>,
  options: StoreOptions,
  what: string,
): Promise<{ kind: "safetensors" } | { kind: "gguf"; name: string; digest: string }> {
  for (const [name, digest] of files) {
    const info = await stat(blobPath(digest, options)).catch(() => undefined);
    if (info?.isFile() !== true)
      throw new AtlasError("NOT_FOUND", `blob ${digest} (${name}) was not uploaded`, {
        hint: `send it first: POST /api/blobs/${digest} with the file as the body`,
        details: { field: what },
      });
  }
  const names = [...files.keys()];
  if (names.some((n) => n.endsWith(".safetensors"))) return { kind: "safetensors" };
  const ggufs: string[] = [];
  for (const name of names)
    if (name.endsWith(".gguf") || (await isGgufBlob(blobPath(files.get(name)!, options)))) ggufs.push(name);
  if (ggufs.length === 0)
    throw new AtlasError(
      "BAD_ARGUMENT",
      "unknown type: the files are neither a safetensors checkpoint nor a GGUF",
      {
        hint: "send a model's .gguf, or its checkpoint files (config.json, *.safetensors, tokenizer files)",
        details: { field: what },
      },
    );
  if (ggufs.length > 1)
    throw new AtlasError("UNSUPPORTED", `${ggufs.length} GGUF files (${ggufs.join(", ")}); atlas takes one`, {
      hint: "send a single-file GGUF (split GGUFs are not supported)",
      details: { field: what },
    });
  return { kind: "gguf", name: ggufs[0]!, digest: files.get(ggufs[0]!)! };
}

/**
 * Checks that `path` is a whole GGUF model (not an adapter, not one part of a split file).
 * @throws AtlasError INVALID_MODEL (a damaged or non-GGUF file), BAD_ARGUMENT (an adapter), UNSUPPORTED (split)
 */
export async function checkModelGguf(path: string, label: string): Promise<{ fileType: number | undefined }> {
  const gguf = await readGguf(path);
  if (ggufString(gguf, "general.type") === "adapter")
    throw new AtlasError("BAD_ARGUMENT", `${label} is a LoRA adapter, not a model`, {
      where: path,
      hint: "put it on an ADAPTER line and FROM its base model",
    });
  const splits = ggufNumber(gguf, "split.count");
  if (splits !== undefined && splits > 1)
    throw new AtlasError("UNSUPPORTED", `${label} is one part of a ${splits}-part split GGUF`, {
      where: path,
      hint: "merge it into one file first (llama-gguf-split --merge)",
    });
  return { fileType: ggufNumber(gguf, "general.file_type") };
}

async function resolvePath(path: string): Promise<ResolvedBase> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined)
    throw new AtlasError("NOT_FOUND", "FROM: no such file or folder", {
      where: path,
      hint: "fix the path (a relative FROM is read from the Modelfile's folder), or give a model name (see `atlas list`)",
    });
  if (info.isFile()) {
    await checkModelGguf(path, "FROM");
    return { kind: "gguf", path, name: basename(path) };
  }
  const names = await readdir(path).catch(() => [] as string[]);
  if (names.includes("config.json") && names.some((n) => n.endsWith(".safetensors")))
    return { kind: "checkpoint", folder: path };
  const ggufs = names.filter((n) => n.toLowerCase().endsWith(".gguf"));
  if (ggufs.length === 1) {
    const file = join(path, ggufs[0]!);
    await checkModelGguf(file, "FROM");
    return { kind: "gguf", path: file, name: ggufs[0]! };
  }
  throw new AtlasError(
    "NOT_FOUND",
    ggufs.length > 1
      ? `FROM: the folder holds ${ggufs.length} GGUF files (${ggufs.join(", ")})`
      : "FROM: the folder holds no safetensors checkpoint (config.json + *.safetensors) and no GGUF file",
    {
      where: path,
      hint:
        ggufs.length > 1
          ? "name the .gguf file to use in FROM"
          : "point FROM at a Hugging Face checkpoint folder, a .gguf file, or a model name",
    },
  );
}

/** An existing model by name: a created one, else one pulled into the store. Never a path. */
async function resolveName(name: string, options: StoreOptions): Promise<ResolvedBase> {
  const created = await findCreatedModel(name, options);
  if (created !== undefined) return { kind: "created", model: created };
  const hub = hubRepoOfName(name);
  if (hub !== undefined) {
    const stored = (await listModels(options)).filter((m) => m.id.toLowerCase() === hub.repo.toLowerCase());
    const pick =
      hub.quant === undefined
        ? (stored.find((m) => m.quant === DEFAULT_QUANT) ?? stored[0])
        : stored.find((m) => m.quant === hub.quant);
    if (pick !== undefined) return { kind: "stored", model: pick, name };
    throw new AtlasError("NOT_FOUND", `FROM ${name}: the model is not downloaded`, {
      hint: `run \`atlas pull ${name}\` first`,
      details: { field: "from" },
    });
  }
  throw new AtlasError("NOT_FOUND", `FROM ${name}: no model of that name`, {
    hint: "see `atlas list` for the models there are; FROM also takes a .gguf file or a checkpoint folder (relative to the Modelfile)",
    details: { field: "from" },
  });
}

/**
 * Resolves what a model is made from, reading headers only.
 * @throws AtlasError NOT_FOUND (no such path, model or blob), INVALID_MODEL, BAD_ARGUMENT, UNSUPPORTED
 */
export async function resolveCreateSource(
  source: CreateSource,
  options: StoreOptions,
): Promise<ResolvedBase> {
  if (source.kind === "path") return resolvePath(source.path);
  if (source.kind === "model") return resolveName(source.name, options);
  const files = checkBlobFiles(source.files, "files");
  const kind = await classifyBlobs(files, options, "files");
  if (kind.kind === "safetensors") return { kind: "checkpoint-blobs", files };
  const path = blobPath(kind.digest, options);
  await checkModelGguf(path, `the uploaded ${kind.name}`);
  return { kind: "gguf", path, name: kind.name, files: new Map([[kind.name, kind.digest]]) };
}
