/**
 * `resolveModel`: what `atlas run` / `atlas serve` call to turn what the user typed into a GGUF path.
 * Never touches the network: hub models must have been pulled.
 */
import { stat } from "node:fs/promises";
import { AtlasError } from "../core/index.js";
import { atlasHome as defaultAtlasHome } from "../config/index.js";
import { readGguf } from "../convert/index.js";
import { convertLocalCheckpoint, type ConvertLocalCheckpointOptions } from "./convert-local-checkpoint.js";
import type { CreatedModel } from "./created/created-store.js";
import { findCreatedModel } from "./created/list-created-models.js";
import { listModels } from "./list-models.js";
import type { StoreOptions } from "./manifest.js";
import { parseModelRef } from "./model-ref.js";
import { parseQuant } from "./pull-model.js";
import { DEFAULT_QUANT } from "./store-layout.js";

/** Options of {@link resolveModel}. */
export interface ResolveModelOptions
  extends
    StoreOptions,
    // For an on-the-fly conversion of a local checkpoint folder.
    Pick<ConvertLocalCheckpointOptions, "signal" | "onProgress" | "convert" | "threads"> {
  /** Wanted quantization; default: the one in `model:quant`, else q4_k_m, else the newest stored. */
  quant?: string | undefined;
}

/** A model ready to load. */
export interface ResolvedModel {
  /** The GGUF file. */
  path: string;
  /**
   * "file": a GGUF path given; "converted": a local checkpoint converted (or reused); "store": pulled;
   * "created": made with `atlas create` (its defaults in `created`).
   */
  source: "file" | "converted" | "store" | "created";
  /** `org/name` for store models. */
  id?: string;
  sha?: string;
  quant?: string;
  /** A created model: its adapters, template, system text, parameters and history. */
  created?: CreatedModel;
}

/**
 * Resolves `model`:
 * - the name of a model made with `atlas create` (`Atlas-Chat-2B`, `me/tutor:v2`) → that model, even when a
 *   file or folder of that name is in the current folder (write `./Atlas-Chat-2B` for the folder);
 * - an existing `.gguf` file → itself;
 * - an existing Hugging Face checkpoint folder → converted once into `$ATLAS_HOME/converted/…` (reused
 *   while the folder is unchanged);
 * - an alias / `org/name[:quant]` → the store entry (newest commit with the requested or default quant,
 *   else the newest of any quant when none was requested).
 * @throws AtlasError NOT_FOUND "model 'x' is not downloaded — run `atlas pull x`"; INVALID_MODEL for a
 *   file that is not a valid GGUF (the same error `inspectModel` gives for it).
 * @example const { path } = await resolveModel("atlas-chat:2b");
 */
export async function resolveModel(model: string, options: ResolveModelOptions = {}): Promise<ResolvedModel> {
  const home = options.atlasHome ?? defaultAtlasHome(options.env);
  const created = await findCreatedModel(model, { atlasHome: home, onWarning: options.onWarning });
  if (created !== undefined) {
    if (
      options.quant !== undefined &&
      created.quant !== undefined &&
      options.quant.toLowerCase() !== created.quant
    )
      throw new AtlasError(
        "BAD_ARGUMENT",
        `created model '${created.name}' is ${created.quant}; --quant ${options.quant} does not apply to it`,
        { hint: "leave --quant out, or create another model from the checkpoint with --quant" },
      );
    return {
      path: created.path,
      source: "created",
      ...(created.quant === undefined ? {} : { quant: created.quant }),
      created,
    };
  }
  const ref = parseModelRef(model);
  if (ref.kind === "path") {
    const info = await stat(ref.path).catch(() => undefined);
    if (info === undefined) throw new AtlasError("NOT_FOUND", "no such file or folder", { where: ref.path });
    if (info.isFile()) {
      // The whole header (magic, counts, metadata, tensor table) is checked before llama.cpp sees it.
      await readGguf(ref.path);
      return { path: ref.path, source: "file" };
    }
    const quant = parseQuant(options.quant ?? DEFAULT_QUANT);
    const converted = await convertLocalCheckpoint({
      folder: ref.path,
      quant,
      atlasHome: home,
      signal: options.signal,
      onProgress: options.onProgress,
      convert: options.convert,
      threads: options.threads,
    });
    return { path: converted.path, source: "converted", quant };
  }
  const requested = options.quant?.toLowerCase() ?? ref.quant;
  const stored = (await listModels({ atlasHome: home, onWarning: options.onWarning })).filter(
    (m) => m.id.toLowerCase() === ref.repo.toLowerCase(),
  );
  // listModels sorts newest first within an id.
  const pick =
    requested === undefined
      ? (stored.find((m) => m.quant === DEFAULT_QUANT) ?? stored[0])
      : stored.find((m) => m.quant === requested);
  if (pick === undefined) {
    const pull = `atlas pull ${ref.input}${requested === undefined || ref.quant !== undefined ? "" : ` --quant ${requested}`}`;
    const others =
      stored.length === 0 ? "" : ` (stored: ${[...new Set(stored.map((m) => m.quant))].join(", ")})`;
    throw new AtlasError(
      "NOT_FOUND",
      `model '${ref.input}'${requested === undefined ? "" : ` (${requested})`} is not downloaded${others}`,
      { hint: `run \`${pull}\`` },
    );
  }
  return { path: pick.path, source: "store", id: pick.id, sha: pick.sha, quant: pick.quant };
}
