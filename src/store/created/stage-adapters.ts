/**
 * A created model's LoRA adapters, staged as `adapter-N.gguf`: a base model's own adapters (inherited, as
 * Ollama keeps them), GGUF adapters (linked), and PEFT adapter folders or uploads (converted by the
 * injected converter, checked against the base model).
 */
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { AtlasError } from "../../core/index.js";
import { ggufString, readGguf } from "../../convert/index.js";
import type { StoreOptions } from "../manifest.js";
import { blobPath } from "./blob-store.js";
import type { AdapterConverter, AdapterSource, CreateProgress } from "./create-types.js";
import { checkBlobFiles, classifyBlobs } from "./resolve-create-source.js";
import { layOutBlobs, linkOrCopy } from "./stage-files.js";

/** At most this many adapters on one model. */
export const MAX_ADAPTERS = 16;

/** One staged adapter: its file in the object folder, what it came from, the blobs it was made of. */
export interface StagedAdapter {
  file: string;
  from: string;
  blobs: string[];
}

/** What {@link stageAdapters} needs. */
export interface StageAdaptersParams {
  /** Adapter files of a created base model. */
  inherited: readonly string[];
  requested: readonly AdapterSource[];
  /** The staging folder. */
  work: string;
  /** What a PEFT adapter is checked against: the checkpoint folder, else the model's GGUF. */
  base: string;
  store: StoreOptions;
  convertAdapter: AdapterConverter | undefined;
  signal: AbortSignal | undefined;
  report: (event: CreateProgress) => void;
  warnings: string[];
}

async function checkAdapterGguf(path: string, label: string): Promise<void> {
  const gguf = await readGguf(path);
  if (ggufString(gguf, "general.type") !== "adapter")
    throw new AtlasError("BAD_ARGUMENT", `${label} is a model, not a LoRA adapter`, {
      where: path,
      hint: "ADAPTER takes a GGUF LoRA (atlas lora convert writes one) or a PEFT adapter folder; a model goes on the FROM line",
      details: { field: "adapters" },
    });
}

async function convertPeft(
  params: StageAdaptersParams,
  folder: string,
  output: string,
  label: string,
): Promise<void> {
  if (params.convertAdapter === undefined)
    throw new AtlasError(
      "UNSUPPORTED",
      `${label} is a PEFT adapter, and this caller cannot convert PEFT adapters`,
      {
        where: folder,
        hint: "convert it with `atlas lora convert <folder> --base <model> -o adapter.gguf` and use the .gguf, or create the model with `atlas create`",
        details: { field: "adapters" },
      },
    );
  params.report({ type: "status", status: "converting adapter" });
  const result = await params.convertAdapter({
    adapter: folder,
    base: params.base,
    output,
    signal: params.signal,
  });
  if (result !== undefined) params.warnings.push(...(result.warnings ?? []));
}

async function stageFromPath(params: StageAdaptersParams, path: string, output: string): Promise<void> {
  const label = `ADAPTER ${path}`;
  const info = await stat(path).catch(() => undefined);
  if (info === undefined)
    throw new AtlasError("NOT_FOUND", "ADAPTER: no such file or folder", {
      where: path,
      hint: "fix the path (a relative ADAPTER is read from the Modelfile's folder)",
      details: { field: "adapters" },
    });
  if (info.isFile()) {
    await checkAdapterGguf(path, label);
    await linkOrCopy(path, output);
    return;
  }
  const names = await readdir(path).catch(() => [] as string[]);
  if (names.includes("adapter_config.json")) return convertPeft(params, path, output, label);
  const ggufs = names.filter((n) => n.toLowerCase().endsWith(".gguf"));
  if (ggufs.length === 1) {
    await checkAdapterGguf(join(path, ggufs[0]!), label);
    await linkOrCopy(join(path, ggufs[0]!), output);
    return;
  }
  throw new AtlasError(
    "NOT_FOUND",
    "ADAPTER: the folder holds no PEFT adapter (adapter_config.json) and no single GGUF",
    {
      where: path,
      hint: "point ADAPTER at a GGUF LoRA or at the folder PEFT saved (adapter_config.json + adapter_model.safetensors)",
      details: { field: "adapters" },
    },
  );
}

async function stageFromBlobs(
  params: StageAdaptersParams,
  files: Readonly<Record<string, string>>,
  output: string,
  index: number,
): Promise<string[]> {
  const checked = checkBlobFiles(files, "adapters");
  const kind = await classifyBlobs(checked, params.store, "adapters");
  if (kind.kind === "gguf") {
    const path = blobPath(kind.digest, params.store);
    await checkAdapterGguf(path, `the uploaded adapter ${kind.name}`);
    params.report({ type: "status", status: `using existing layer ${kind.digest}` });
    await linkOrCopy(path, output);
    return [kind.digest];
  }
  const folder = join(params.work, `adapter-source-${index}`);
  await layOutBlobs(folder, checked, (digest) => blobPath(digest, params.store));
  try {
    await convertPeft(params, folder, output, "the uploaded adapter");
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  return [...checked.values()];
}

/**
 * Stages every adapter into `params.work`.
 * @throws AtlasError NOT_FOUND, BAD_ARGUMENT (a model given as adapter), UNSUPPORTED (PEFT without a
 *   converter), the converter's errors (an adapter that does not fit the base)
 */
export async function stageAdapters(params: StageAdaptersParams): Promise<StagedAdapter[]> {
  const total = params.inherited.length + params.requested.length;
  if (total > MAX_ADAPTERS)
    throw new AtlasError("BAD_ARGUMENT", `${total} adapters; at most ${MAX_ADAPTERS}`, {
      details: { field: "adapters", limit: MAX_ADAPTERS, actual: total },
    });
  const out: StagedAdapter[] = [];
  for (const path of params.inherited) {
    const file = `adapter-${out.length}.gguf`;
    await linkOrCopy(path, join(params.work, file));
    out.push({ file, from: path, blobs: [] });
  }
  for (const source of params.requested) {
    const file = `adapter-${out.length}.gguf`;
    const output = join(params.work, file);
    if (source.kind === "path") {
      await stageFromPath(params, source.path, output);
      out.push({ file, from: source.path, blobs: [] });
    } else {
      const blobs = await stageFromBlobs(params, source.files, output, out.length);
      out.push({ file, from: Object.keys(source.files).join(", "), blobs });
    }
  }
  return out;
}
