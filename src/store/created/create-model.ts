/**
 * `createModel`: `ollama create` for the atlas store. A model is made from a checkpoint folder (converted,
 * `--quant` q4_k_m by default as `atlas pull`), a GGUF file, an existing model (sharing its GGUF: a hard
 * link, no copy), or uploaded blobs; with LoRA adapters, a Gemma-format TEMPLATE, SYSTEM, parameters,
 * MESSAGE history and license. Everything is checked before a byte is written, built in a staging folder,
 * and committed in one step (see created-store.ts): on any failure nothing of it is left in the store.
 */
import { readdir, rename, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { randomBytes } from "node:crypto";
import { AtlasError, makeFolder, makeWorkFolder, sweepStaleTemps, withLock } from "../../core/index.js";
import { atlasHome as defaultAtlasHome } from "../../config/index.js";
import { convertModel, ggufNumber, ggufString, readGguf } from "../../convert/index.js";
import { atlasVersion } from "../atlas-version.js";
import { convertLocalCheckpoint } from "../convert-local-checkpoint.js";
import { writeJsonAtomically, type StoreOptions } from "../manifest.js";
import {
  checkModelParameters,
  modelParameterOptions,
  type ModelParameters,
} from "../modelfile/model-parameters.js";
import { parseQuant } from "../pull-model.js";
import { quantOfGguf } from "../store-gguf-file.js";
import { DEFAULT_QUANT } from "../store-layout.js";
import { blobPath } from "./blob-store.js";
import {
  checkHistoryRenders,
  checkLicense,
  checkMessages,
  checkNameCollision,
  checkRequires,
  checkTemplate,
  checkText,
} from "./check-create-request.js";
import {
  CREATED_SCHEMA,
  createdModelOf,
  createdPaths,
  OBJECT_ID,
  readCreatedManifest,
  type CreatedManifest,
  type CreatedSource,
} from "./created-store.js";
import type { CreateModelOptions, CreateModelResult, CreateProgress } from "./create-types.js";
import { CREATED_LOCK, createdManifestFiles } from "./list-created-models.js";
import { checkModelName, formatModelName } from "./model-name.js";
import { resolveCreateSource, type ResolvedBase } from "./resolve-create-source.js";
import { layOutBlobs, linkOrCopy, linkOrRefuse } from "./stage-files.js";
import { stageAdapters } from "./stage-adapters.js";

/** The checked request. */
interface Checked {
  template: string | undefined;
  system: string | undefined;
  parameters: ModelParameters;
  messages: CreatedManifest["messages"];
  license: string[];
  requires: string | undefined;
}

function checkRequest(options: CreateModelOptions, warnings: string[]): Checked {
  const template = checkText(options.template, "template");
  if (template !== undefined && template !== "") {
    const warning = checkTemplate(template);
    if (warning !== undefined) warnings.push(warning);
  }
  return {
    template: template === "" ? undefined : template,
    system: checkText(options.system, "system"),
    parameters: checkModelParameters(options.parameters ?? {}, { onWarning: (w) => warnings.push(w) }),
    messages: checkMessages(options.messages),
    license: checkLicense(options.license),
    requires: checkRequires(options.requires),
  };
}

/** The created model's defaults: the request's, over what a created base had (Ollama's inheritance). */
function inherit(checked: Checked, base: ResolvedBase): Checked {
  if (base.kind !== "created") return checked;
  const b = base.model;
  return {
    template: checked.template ?? b.template,
    // Ollama replaces the base's system text only with a non-empty one.
    system: checked.system !== undefined && checked.system !== "" ? checked.system : b.system,
    parameters: { ...b.parameters, ...checked.parameters },
    messages: checked.messages.length > 0 ? checked.messages : b.messages,
    license: [...b.license, ...checked.license],
    requires: checked.requires ?? b.requires,
  };
}

function sourceOf(base: ResolvedBase, quant: string): CreatedSource {
  switch (base.kind) {
    case "checkpoint":
      return { kind: "checkpoint", path: base.folder, quant };
    case "checkpoint-blobs":
      return { kind: "blobs", files: Object.fromEntries(base.files), quant };
    case "gguf":
      return base.files === undefined
        ? { kind: "gguf", path: base.path }
        : { kind: "blobs", files: Object.fromEntries(base.files) };
    case "created":
      return { kind: "model", name: base.model.name, path: base.model.path };
    case "stored":
      return { kind: "model", name: base.name, path: base.model.path };
  }
}

/** The quantization name of the new model's GGUF. */
function quantOf(base: ResolvedBase, quant: string, fileType: number | undefined): string {
  if (base.kind === "checkpoint" || base.kind === "checkpoint-blobs") return quant;
  if (base.kind === "stored") return base.model.quant;
  if (base.kind === "created" && base.model.quant !== undefined) return base.model.quant;
  return quantOfGguf(fileType, base.kind === "gguf" ? base.name : basename(base.model.path));
}

/** What staging the model file produced. */
interface StagedModel {
  model: CreatedManifest["model"];
  /** The GGUF to read (inside the staging folder, or the referenced base). */
  path: string;
  /** A checkpoint folder the model was converted from (adapters are best checked against it). */
  checkpoint: string | undefined;
  converted: boolean;
}

async function stageModel(
  base: ResolvedBase,
  work: string,
  quant: string,
  options: CreateModelOptions,
  home: string,
  report: (event: CreateProgress) => void,
  warnings: string[],
): Promise<StagedModel> {
  const target = join(work, "model.gguf");
  const own = { file: "model.gguf" } as const;
  switch (base.kind) {
    case "checkpoint": {
      report({ type: "status", status: "converting model" });
      const done = await convertLocalCheckpoint({
        folder: base.folder,
        quant: parseQuant(quant),
        atlasHome: home,
        signal: options.signal,
        convert: options.convert,
        threads: options.threads,
        onProgress: (progress) => report({ type: "convert", progress }),
        onWait: () => report({ type: "waiting", what: "another atlas process is converting this folder" }),
      });
      await linkOrCopy(done.path, target);
      return { model: own, path: target, checkpoint: base.folder, converted: done.converted };
    }
    case "checkpoint-blobs": {
      const folder = join(work, "checkpoint");
      await layOutBlobs(folder, base.files, (digest) => blobPath(digest, { atlasHome: home }));
      report({ type: "status", status: "converting model" });
      await (options.convert ?? convertModel)({
        input: folder,
        output: target,
        type: parseQuant(quant),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.threads === undefined ? {} : { threads: options.threads }),
        onProgress: (progress) => report({ type: "convert", progress }),
      });
      return { model: own, path: target, checkpoint: folder, converted: true };
    }
    case "gguf": {
      for (const digest of base.files?.values() ?? [])
        report({ type: "status", status: `using existing layer ${digest}` });
      const how = await linkOrCopy(base.path, target);
      if (how === "copied")
        warnings.push(`${base.path} is on another file system: it was copied into the store`);
      return { model: own, path: target, checkpoint: undefined, converted: false };
    }
    case "created":
    case "stored": {
      const source = base.kind === "created" ? base.model.path : base.model.path;
      report({
        type: "status",
        status: `using the model file of ${base.kind === "created" ? base.model.name : base.name}`,
      });
      if ((await linkOrRefuse(source, target)) === "linked")
        return { model: own, path: target, checkpoint: undefined, converted: false };
      warnings.push(
        `the file system refused a hard link to ${source}: the new model refers to it, and stops working if that model is removed`,
      );
      return { model: { path: source }, path: source, checkpoint: undefined, converted: false };
    }
  }
}

/** Removes object folders no manifest names (left by a process killed mid-commit). Under the lock. */
async function sweepOrphans(home: string, keep: string): Promise<void> {
  const paths = createdPaths(home);
  const named = new Set<string>([keep]);
  for (const file of await createdManifestFiles(home)) {
    const read = await readCreatedManifest(file);
    if (read.kind === "corrupt") return; // it may name any object: keep them all
    if (read.kind === "ok") named.add(read.manifest.object);
  }
  for (const id of await readdir(paths.objects).catch(() => [] as string[]))
    if (OBJECT_ID.test(id) && !named.has(id))
      await rm(join(paths.objects, id), { recursive: true, force: true });
}

/**
 * Creates (or replaces) the model `name`.
 * @example
 * await createModel({ name: "darija-tutor", from: { kind: "model", name: "atlas-chat:2b" },
 *   system: "جاوب ديما بالدارجة.", parameters: { temperature: 0.3 } });
 * @throws AtlasError BAD_ARGUMENT (name, collision with a pulled model, template, parameter, message…),
 *   NOT_FOUND (FROM, ADAPTER or a blob), INVALID_MODEL, UNSUPPORTED, ABORTED, IO, BUSY, and the
 *   converter's errors — each with nothing written to the store
 */
export async function createModel(options: CreateModelOptions): Promise<CreateModelResult> {
  const home = options.atlasHome ?? defaultAtlasHome(options.env);
  const store: StoreOptions = { atlasHome: home, onWarning: options.onWarning };
  const report = (event: CreateProgress): void => options.onProgress?.(event);
  const warnings: string[] = [];
  const name = checkModelName(options.name);
  const display = formatModelName(name);
  await checkNameCollision(name, options.name, options.force === true, store);
  const request = checkRequest(options, warnings);
  const base = await resolveCreateSource(options.from, store);
  const converts = base.kind === "checkpoint" || base.kind === "checkpoint-blobs";
  if (options.quantize !== undefined && !converts)
    throw new AtlasError(
      "UNSUPPORTED",
      `quantize ${options.quantize} applies only when FROM is a checkpoint`,
      {
        hint: "a GGUF or an existing model is used as it is: convert its checkpoint with --quant, or leave --quant out",
        details: { field: "quantize" },
      },
    );
  const quant = converts ? parseQuant(options.quantize ?? DEFAULT_QUANT) : "";
  const defaults = inherit(request, base);
  modelParameterOptions(defaults.parameters);

  const paths = createdPaths(home);
  await makeFolder(paths.staging, "cannot create the staging folder");
  await sweepStaleTemps(paths.staging);
  const work = await makeWorkFolder(paths.staging);
  const id = randomBytes(16).toString("hex");
  let committed = false;
  try {
    const staged = await stageModel(base, work, quant, options, home, report, warnings);
    const gguf = await readGguf(staged.path);
    const adapters = await stageAdapters({
      inherited: base.kind === "created" ? base.model.adapters : [],
      requested: options.adapters ?? [],
      work,
      base: staged.checkpoint ?? staged.path,
      store,
      convertAdapter: options.convertAdapter,
      signal: options.signal,
      report,
      warnings,
    });
    checkHistoryRenders(
      defaults.messages,
      defaults.system,
      defaults.template === undefined
        ? { jinja: ggufString(gguf, "tokenizer.chat_template") }
        : { go: defaults.template },
    );
    if (staged.checkpoint !== undefined && base.kind === "checkpoint-blobs")
      await rm(staged.checkpoint, { recursive: true, force: true });
    const ft = ggufNumber(gguf, "general.file_type");
    const blobs =
      base.kind === "checkpoint-blobs" || base.kind === "gguf" ? [...(base.files?.values() ?? [])] : [];
    const manifest: CreatedManifest = {
      schema: CREATED_SCHEMA,
      name: display,
      object: id,
      createdAt: new Date().toISOString(),
      atlasVersion: atlasVersion(),
      model: staged.model,
      bytes: (await stat(staged.path)).size,
      quant: quantOf(base, quant, ft),
      ...(ft === undefined ? {} : { fileType: ft }),
      source: sourceOf(base, quant),
      adapters: adapters.map(({ file, from }) => ({ file, from })),
      ...(defaults.template === undefined ? {} : { template: defaults.template }),
      ...(defaults.system === undefined ? {} : { system: defaults.system }),
      parameters: defaults.parameters,
      messages: defaults.messages,
      license: defaults.license,
      ...(defaults.requires === undefined ? {} : { requires: defaults.requires }),
      blobs: [...new Set([...blobs, ...adapters.flatMap((a) => a.blobs)])],
    };
    if (options.signal?.aborted === true) throw new AtlasError("ABORTED", "the creation was cancelled");
    report({ type: "status", status: "writing manifest" });
    const manifestPath = paths.manifest(name);
    const replaced = await withLock(paths.lock, { ...CREATED_LOCK, signal: options.signal }, async () => {
      const previous = await readCreatedManifest(manifestPath);
      await makeFolder(paths.objects, "cannot create the store folder");
      await rename(work, paths.object(id));
      committed = true;
      try {
        await writeJsonAtomically(manifestPath, manifest);
      } catch (error) {
        await rm(paths.object(id), { recursive: true, force: true });
        throw error;
      }
      if (previous.kind === "ok" && previous.manifest.object !== id)
        await rm(paths.object(previous.manifest.object), { recursive: true, force: true });
      await sweepOrphans(home, id);
      return previous.kind !== "missing";
    });
    report({ type: "status", status: "success" });
    return {
      model: createdModelOf(home, manifest, manifestPath),
      replaced,
      converted: staged.converted,
      warnings,
    };
  } finally {
    if (!committed) await rm(work, { recursive: true, force: true });
  }
}
