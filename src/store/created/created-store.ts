/**
 * Where created models live and what their manifests hold:
 *
 *     created/manifests/<namespace>/<model>/<tag>.json   one per name (lower-case), written atomically
 *     created/objects/<id>/model.gguf, adapter-N.gguf     the files of one created model
 *     created/staging/.atlas-work-…/                      a model being made (renamed into objects/ when done)
 *     created/.locks/store.lock                           held while a model is committed or removed
 *     blobs/sha256-<hex>                                  files uploaded through /api/blobs
 *
 * A created model's own `model.gguf` is a hard link to what it was made from when it can be (a base
 * model's GGUF, an uploaded blob, a converted checkpoint): no copy, and it survives the removal of its
 * base. Committing = renaming the finished object folder into place, then writing the manifest: until the
 * manifest exists nothing refers to the object, so any failure leaves nothing half-written.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  AtlasError,
  CHAT_ROLES,
  errorMessage,
  ioError,
  systemErrorCode,
  type ChatMessage,
} from "../../core/index.js";
import type { ModelParameters } from "../modelfile/model-parameters.js";
import { modelNameKey, type ModelName } from "./model-name.js";

/** Version of the created-model manifest format. */
export const CREATED_SCHEMA = 1;

/** Paths of the created-model store under `atlasHome`. */
export function createdPaths(atlasHome: string): {
  root: string;
  manifests: string;
  manifest(name: ModelName): string;
  objects: string;
  object(id: string): string;
  staging: string;
  lock: string;
  blobs: string;
} {
  const root = join(atlasHome, "created");
  const manifests = join(root, "manifests");
  const objects = join(root, "objects");
  return {
    root,
    manifests,
    manifest: (name) => {
      const key = modelNameKey(name);
      const [namespace = "", rest = ""] = key.split("/");
      const [model = "", tag = ""] = rest.split(":");
      return join(manifests, namespace, model, `${tag}.json`);
    },
    objects,
    object: (id) => {
      if (!OBJECT_ID.test(id)) throw new AtlasError("INVALID_MODEL", `'${id}' is not a created-model id`);
      return join(objects, id);
    },
    staging: join(root, "staging"),
    lock: join(root, ".locks", "store.lock"),
    blobs: join(atlasHome, "blobs"),
  };
}

/** Object folders are named by 32 random hex digits. */
export const OBJECT_ID = /^[0-9a-f]{32}$/;
const ADAPTER_FILE = /^adapter-\d{1,3}\.gguf$/;

/** What a created model was made from (shown by `atlas show`, `atlas list`). */
export type CreatedSource =
  | { kind: "checkpoint"; path: string; quant: string }
  | { kind: "gguf"; path: string }
  | { kind: "model"; name: string; path: string }
  | { kind: "blobs"; files: Record<string, string>; quant?: string };

/** The stored manifest of one created model. */
export interface CreatedManifest {
  schema: number;
  /** As shown: `Atlas-Chat-2B:latest`. */
  name: string;
  /** The object folder holding its files. */
  object: string;
  createdAt: string;
  atlasVersion: string;
  /**
   * The GGUF: `model.gguf` in the object folder, or — only where the file system refused a hard link to a
   * base model's file — that file's absolute path (the model breaks if the base is removed).
   */
  model: { file: "model.gguf" } | { path: string };
  bytes: number;
  /** Quantization name (`q4_k_m`), when known. */
  quant?: string;
  fileType?: number;
  source: CreatedSource;
  /** LoRA adapters (GGUF files in the object folder), applied in order. */
  adapters: { file: string; from: string }[];
  /** The Modelfile's TEMPLATE (a Go template of Gemma's format), when one was given. */
  template?: string;
  system?: string;
  parameters: ModelParameters;
  /** Conversation put before every chat (MESSAGE lines). */
  messages: ChatMessage[];
  license: string[];
  requires?: string;
  /** Digests of the uploaded blobs it was made from (kept by pruneBlobs). */
  blobs: string[];
}

function isMessages(value: unknown): value is ChatMessage[] {
  return (
    Array.isArray(value) &&
    value.every(
      (m) =>
        typeof m === "object" &&
        m !== null &&
        (CHAT_ROLES as readonly string[]).includes((m as Record<string, unknown>)["role"] as string) &&
        typeof (m as Record<string, unknown>)["content"] === "string",
    )
  );
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((s) => typeof s === "string");
}

/** Why `value` is not a created-model manifest, or undefined when it is one. */
function manifestProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const m = value as Record<string, unknown>;
  if (typeof m["name"] !== "string") return "no name";
  if (typeof m["object"] !== "string" || !OBJECT_ID.test(m["object"])) return "no object id";
  const model = m["model"] as Record<string, unknown> | undefined;
  // The model file is inside the object folder, or an absolute path recorded by atlas itself.
  if (typeof model !== "object" || model === null) return "no model file";
  if (model["file"] !== "model.gguf" && typeof model["path"] !== "string") return "no model file";
  if (typeof m["bytes"] !== "number" || typeof m["createdAt"] !== "string") return "no size or date";
  if (typeof m["source"] !== "object" || m["source"] === null) return "no source";
  const adapters = m["adapters"];
  if (
    !Array.isArray(adapters) ||
    !adapters.every(
      (a) =>
        typeof a === "object" &&
        a !== null &&
        typeof (a as Record<string, unknown>)["file"] === "string" &&
        ADAPTER_FILE.test((a as Record<string, unknown>)["file"] as string),
    )
  )
    return "bad adapters";
  if (typeof m["parameters"] !== "object" || m["parameters"] === null) return "no parameters";
  if (!isMessages(m["messages"])) return "bad messages";
  if (!isStrings(m["license"]) || !isStrings(m["blobs"])) return "bad license or blobs";
  for (const key of ["template", "system", "requires"])
    if (m[key] !== undefined && typeof m[key] !== "string") return `bad ${key}`;
  return undefined;
}

/** A manifest file: missing, valid, or damaged (and why). */
export type ManifestRead =
  { kind: "missing" } | { kind: "ok"; manifest: CreatedManifest } | { kind: "corrupt"; reason: string };

/** Reads a created-model manifest. */
export async function readCreatedManifest(path: string): Promise<ManifestRead> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = systemErrorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return { kind: "missing" };
    throw ioError("cannot read the created model's manifest", path, error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { kind: "corrupt", reason: `not valid JSON: ${errorMessage(error)}` };
  }
  const problem = manifestProblem(parsed);
  return problem === undefined
    ? { kind: "ok", manifest: parsed as CreatedManifest }
    : { kind: "corrupt", reason: problem };
}

/** A created model, ready to load: its manifest with absolute paths. */
export interface CreatedModel {
  /** As shown: `Atlas-Chat-2B:latest`. */
  name: string;
  /** The GGUF file. */
  path: string;
  /** Adapter GGUF files, applied in order at scale 1. */
  adapters: string[];
  bytes: number;
  quant: string | undefined;
  createdAt: string;
  source: CreatedSource;
  template: string | undefined;
  system: string | undefined;
  parameters: ModelParameters;
  messages: ChatMessage[];
  license: string[];
  requires: string | undefined;
  /** The manifest file and object folder (for removal and diagnostics). */
  manifestPath: string;
  objectDir: string;
}

/** The manifest seen from outside: absolute paths, optional fields made explicit. */
export function createdModelOf(
  atlasHome: string,
  manifest: CreatedManifest,
  manifestPath: string,
): CreatedModel {
  const objectDir = createdPaths(atlasHome).object(manifest.object);
  return {
    name: manifest.name,
    path: "file" in manifest.model ? join(objectDir, manifest.model.file) : manifest.model.path,
    adapters: manifest.adapters.map((a) => join(objectDir, a.file)),
    bytes: manifest.bytes,
    quant: manifest.quant,
    createdAt: manifest.createdAt,
    source: manifest.source,
    template: manifest.template,
    system: manifest.system,
    parameters: manifest.parameters,
    messages: manifest.messages,
    license: manifest.license,
    requires: manifest.requires,
    manifestPath,
    objectDir,
  };
}
