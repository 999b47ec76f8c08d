/**
 * The base model a LoRA adapter is checked against (and merged into): its architecture and the GGUF
 * name and ggml dims of every tensor, from a checkpoint folder (config.json alone: the weights are not
 * read) or a GGUF file / pulled model (the header alone).
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { AtlasError } from "../../core/index.js";
import {
  attentionScaleFactor,
  ggufNumber,
  ggufString,
  readGguf,
  type GgufFile,
} from "../../convert/index.js";
import { readJsonObject } from "../../convert/file-io.js";
import { parseGemma2Config } from "../../convert/gemma2-config.js";
import { gemma2TensorSpecs } from "../../convert/gemma2-tensors.js";
import { MAX_JSON_FILE_BYTES } from "../../convert/limits.js";
import { parseModelRef, resolveModel } from "../../store/index.js";

/** The architecture atlas converts and merges adapters for. */
export const LORA_ARCHITECTURE = "gemma2";

/** What an adapter must fit. */
export interface LoraBase {
  kind: "checkpoint" | "gguf";
  /** The folder or GGUF file. */
  path: string;
  architecture: string;
  layers: number;
  /** ggml dims (ne[0] = row length = input features) by GGUF tensor name, in the model's order. */
  tensors: Map<string, readonly number[]>;
  /**
   * Checkpoint bases only: the factor atlas's converter multiplies `attn_q` by (the attention-scale fix,
   * docs/convert.md), which an adapter's `attn_q` update must carry too. Undefined when no fix applies.
   */
  queryScale: number | undefined;
  /** GGUF bases only: the parsed file. */
  gguf?: GgufFile;
}

async function fromCheckpoint(dir: string): Promise<LoraBase> {
  const configPath = join(dir, "config.json");
  const raw = await readJsonObject(configPath, MAX_JSON_FILE_BYTES);
  if (raw === undefined)
    throw new AtlasError("NOT_FOUND", "missing config.json", {
      where: dir,
      hint: "give the base model's checkpoint folder (config.json is enough), its GGUF, or a pulled model",
    });
  const { hparams } = parseGemma2Config(raw, configPath);
  const tensors = new Map<string, readonly number[]>();
  for (const spec of gemma2TensorSpecs(hparams).values())
    tensors.set(spec.ggufName, [...spec.shape].reverse());
  return {
    kind: "checkpoint",
    path: dir,
    architecture: LORA_ARCHITECTURE,
    layers: hparams.numLayers,
    tensors,
    queryScale: attentionScaleFactor(hparams),
  };
}

async function fromGguf(path: string): Promise<LoraBase> {
  const gguf = await readGguf(path);
  const architecture = ggufString(gguf, "general.architecture") ?? "unknown";
  const type = ggufString(gguf, "general.type");
  if (type === "adapter")
    throw new AtlasError("BAD_ARGUMENT", "is a LoRA adapter, not a base model", {
      where: path,
      hint: "give the model the adapter was trained on",
    });
  if (architecture !== LORA_ARCHITECTURE)
    throw new AtlasError(
      "UNSUPPORTED",
      `the base model's architecture is ${architecture}; atlas handles ${LORA_ARCHITECTURE} (Gemma-2) adapters`,
      {
        where: path,
      },
    );
  return {
    kind: "gguf",
    path,
    architecture,
    layers: ggufNumber(gguf, `${architecture}.block_count`) ?? 0,
    tensors: new Map(gguf.tensors.map((t) => [t.name, t.ne])),
    queryScale: undefined,
    gguf,
  };
}

/**
 * Reads the base `model`: a checkpoint folder, a GGUF file, or a pulled model (alias or `org/name`).
 * @throws AtlasError NOT_FOUND, UNSUPPORTED (another architecture), INVALID_MODEL, BAD_ARGUMENT (an adapter)
 */
export async function readLoraBase(
  model: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<LoraBase> {
  const ref = parseModelRef(model);
  if (ref.kind === "path") {
    const info = await stat(ref.path).catch(() => undefined);
    if (info === undefined) throw new AtlasError("NOT_FOUND", "no such file or folder", { where: ref.path });
    return info.isDirectory() ? fromCheckpoint(ref.path) : fromGguf(ref.path);
  }
  return fromGguf((await resolveModel(model, { env })).path);
}
