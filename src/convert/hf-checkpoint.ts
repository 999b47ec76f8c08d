/**
 * Opens a Hugging Face Gemma-2 checkpoint folder: config.json, the safetensors file(s) and their index.
 * Everything is validated (architecture, hyper-parameters, shard list, every tensor's name, dtype and
 * shape) before a single output byte is written.
 */
import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { AtlasError, ioError, systemErrorCode } from "../core/index.js";
import { fileSize, isRecord, readJsonObject } from "./file-io.js";
import { parseGemma2Config, type Gemma2Config } from "./gemma2-config.js";
import { gemma2TensorSpecs, isDroppedTensor, type Gemma2TensorSpec } from "./gemma2-tensors.js";
import { MAX_JSON_FILE_BYTES, MAX_SHARDS } from "./limits.js";
import { readSafetensorsHeader, type SafetensorsTensor } from "./safetensors.js";

/** The safetensors index file name. */
export const SAFETENSORS_INDEX_FILE = "model.safetensors.index.json";

/** The source dtypes atlas converts. */
export type ConvertibleDtype = "F32" | "F16" | "BF16";

/** One source tensor, located in its shard, with what it becomes. */
export interface CheckpointTensor extends Omit<SafetensorsTensor, "dtype"> {
  dtype: ConvertibleDtype;
  /** Absolute path of the shard holding it. */
  file: string;
  spec: Gemma2TensorSpec;
}

/** A validated Gemma-2 checkpoint folder. */
export interface HfCheckpoint {
  dir: string;
  config: Gemma2Config;
  /** Shard paths in the order llama.cpp reads them (sorted by file name). */
  shards: string[];
  /** Tensors to convert, in llama.cpp's order: shard by shard, sorted by name within a shard. */
  tensors: CheckpointTensor[];
  /** Total bytes of the safetensors files. */
  bytes: number;
  warnings: string[];
}

/**
 * Opens and validates the checkpoint in `dir`.
 * @throws AtlasError NOT_FOUND (folder, config.json, weights or a shard missing), UNSUPPORTED (another
 *   architecture, a dtype other than F32/F16/BF16), INVALID_MODEL (anything malformed)
 */
export async function openHfCheckpoint(dir: string): Promise<HfCheckpoint> {
  await checkFolder(dir);
  const configPath = join(dir, "config.json");
  const rawConfig = await readJsonObject(configPath, MAX_JSON_FILE_BYTES);
  if (rawConfig === undefined)
    throw new AtlasError("NOT_FOUND", "missing config.json", {
      where: dir,
      hint: "give the folder of a Hugging Face checkpoint (the one holding config.json and *.safetensors)",
    });
  const config = parseGemma2Config(rawConfig, configPath);
  const { shards, weightMap } = await findShards(dir);
  const warnings = [...config.warnings];
  const specs = gemma2TensorSpecs(config.hparams);
  const found = new Map<string, CheckpointTensor>();
  let bytes = 0;
  const ordered: CheckpointTensor[] = [];
  for (const shard of shards) {
    const file = await readSafetensorsHeader(shard);
    bytes += file.size;
    for (const tensor of file.tensors) {
      const previous = found.get(tensor.name);
      if (previous !== undefined)
        throw new AtlasError(
          "INVALID_MODEL",
          `tensor '${tensor.name}' is in both ${basename(previous.file)} and ${basename(shard)}`,
          {
            where: dir,
            hint: "re-download the model",
          },
        );
      if (weightMap !== undefined) {
        const expected = weightMap.get(tensor.name);
        if (expected === undefined)
          throw new AtlasError(
            "INVALID_MODEL",
            `tensor '${tensor.name}' is in ${basename(shard)} but not in ${SAFETENSORS_INDEX_FILE}`,
            {
              where: dir,
              hint: "the index and the shards do not match: re-download the model",
            },
          );
        if (expected !== basename(shard))
          throw new AtlasError(
            "INVALID_MODEL",
            `tensor '${tensor.name}' is in ${basename(shard)} but ${SAFETENSORS_INDEX_FILE} says ${expected}`,
            {
              where: dir,
              hint: "the index and the shards do not match: re-download the model",
            },
          );
      }
      const entry = checkTensor(tensor, shard, specs, warnings);
      if (entry !== undefined) {
        found.set(tensor.name, entry);
        ordered.push(entry);
      }
    }
  }
  if (weightMap !== undefined)
    for (const [name, shard] of weightMap)
      if (!found.has(name) && !isDroppedTensor(name))
        throw new AtlasError(
          "INVALID_MODEL",
          `tensor '${name}' is listed in ${SAFETENSORS_INDEX_FILE} but missing from ${shard}`,
          {
            where: dir,
            hint: "the shard is incomplete: re-download the model",
          },
        );
  for (const spec of specs.values())
    if (!found.has(spec.hfName))
      throw new AtlasError(
        "INVALID_MODEL",
        `missing tensor '${spec.hfName}' (shape ${JSON.stringify(spec.shape)})`,
        {
          where: dir,
          hint: "the checkpoint is incomplete or does not match its config.json: re-download it",
        },
      );
  return { dir, config, shards, tensors: ordered, bytes, warnings };
}

async function checkFolder(dir: string): Promise<void> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory())
      throw new AtlasError("BAD_ARGUMENT", "is a file, not a model folder", {
        where: dir,
        hint: "give the folder of a Hugging Face checkpoint (holding config.json and *.safetensors)",
      });
  } catch (error) {
    if (error instanceof AtlasError) throw error;
    if (systemErrorCode(error) === "ENOENT")
      throw new AtlasError("NOT_FOUND", "no such model folder", { where: dir, hint: "check the path" });
    throw ioError("cannot read", dir, error);
  }
}

/** Checks one source tensor against the Gemma-2 layout; undefined for tensors llama.cpp drops. */
function checkTensor(
  tensor: SafetensorsTensor,
  file: string,
  specs: Map<string, Gemma2TensorSpec>,
  warnings: string[],
): CheckpointTensor | undefined {
  if (isDroppedTensor(tensor.name)) {
    if (tensor.name === "lm_head.weight")
      warnings.push("dropped lm_head.weight: Gemma-2 ties the output layer to token_embd");
    return undefined;
  }
  const spec = specs.get(tensor.name);
  if (spec === undefined)
    throw new AtlasError("UNSUPPORTED", `unexpected tensor '${tensor.name}' for a Gemma-2 model`, {
      where: file,
      hint: "atlas converts plain (unquantized) Gemma2ForCausalLM checkpoints whose tensors match config.json",
    });
  if (tensor.dtype !== "F32" && tensor.dtype !== "F16" && tensor.dtype !== "BF16")
    throw new AtlasError("UNSUPPORTED", `tensor '${tensor.name}' has dtype ${tensor.dtype}`, {
      where: file,
      hint: "atlas converts F32, F16 and BF16 weights; use an unquantized checkpoint",
    });
  if (tensor.shape.length !== spec.shape.length || tensor.shape.some((d, i) => d !== spec.shape[i]))
    throw new AtlasError(
      "INVALID_MODEL",
      `tensor '${tensor.name}' has shape ${JSON.stringify(tensor.shape)} but config.json implies ${JSON.stringify(spec.shape)}`,
      { where: file, hint: "the weights do not match config.json: re-download the model" },
    );
  return { ...tensor, dtype: tensor.dtype, file, spec };
}

/** Finds the weight files: the index's shards, `model.safetensors`, or `model*.safetensors`. */
async function findShards(
  dir: string,
): Promise<{ shards: string[]; weightMap: Map<string, string> | undefined }> {
  const indexPath = join(dir, SAFETENSORS_INDEX_FILE);
  const index = await readJsonObject(indexPath, MAX_JSON_FILE_BYTES);
  if (index !== undefined) {
    const rawMap = index["weight_map"];
    if (!isRecord(rawMap))
      throw new AtlasError("INVALID_MODEL", "has no weight_map object", {
        where: indexPath,
        hint: "re-download the model",
      });
    const weightMap = new Map<string, string>();
    for (const [name, shard] of Object.entries(rawMap)) {
      if (
        typeof shard !== "string" ||
        shard === "" ||
        shard !== basename(shard) ||
        shard === "." ||
        shard === ".."
      )
        throw new AtlasError(
          "INVALID_MODEL",
          `weight_map entry '${name}' names ${JSON.stringify(shard)}, not a file name`,
          {
            where: indexPath,
            hint: "re-download the model",
          },
        );
      weightMap.set(name, shard);
    }
    const names = [...new Set(weightMap.values())].sort();
    if (names.length === 0)
      throw new AtlasError("INVALID_MODEL", "weight_map is empty", {
        where: indexPath,
        hint: "re-download the model",
      });
    if (names.length > MAX_SHARDS)
      throw new AtlasError(
        "INVALID_MODEL",
        `lists ${names.length} shards, more than the limit of ${MAX_SHARDS}`,
        {
          where: indexPath,
        },
      );
    for (const name of names)
      if ((await fileSize(join(dir, name))) === undefined)
        throw new AtlasError("NOT_FOUND", `missing shard ${name} (listed in ${SAFETENSORS_INDEX_FILE})`, {
          where: dir,
          hint: "the download is incomplete: run `atlas pull` again",
        });
    return { shards: names.map((n) => join(dir, n)), weightMap };
  }
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    throw ioError("cannot list", dir, error);
  }
  const single = entries.includes("model.safetensors")
    ? ["model.safetensors"]
    : entries.filter((e) => e.startsWith("model") && e.endsWith(".safetensors")).sort();
  if (single.length === 0)
    throw new AtlasError(
      "NOT_FOUND",
      `missing model.safetensors (or ${SAFETENSORS_INDEX_FILE} and its shards)`,
      {
        where: dir,
        hint: "give a folder holding the safetensors weights",
      },
    );
  return { shards: single.map((n) => join(dir, n)), weightMap: undefined };
}
