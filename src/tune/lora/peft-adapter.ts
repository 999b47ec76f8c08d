/**
 * Reads a PEFT LoRA adapter folder as `save_pretrained` writes it: `adapter_config.json` (r, lora_alpha,
 * target_modules, use_rslora …) and `adapter_model.safetensors` with one `lora_A` [r, in] and one `lora_B`
 * [out, r] per adapted module, named `base_model.model.<module>.lora_A.weight`. Everything PEFT can save
 * that a plain GGUF LoRA cannot express (DoRA, biases, extra saved modules, per-module ranks/alphas,
 * embedding adapters) is refused with a clear error instead of being converted wrongly.
 */
import { join } from "node:path";
import { AtlasError } from "../../core/index.js";
import { readSafetensorsHeader, type SafetensorsFile, type SafetensorsTensor } from "../../convert/index.js";
import { fileSize, isRecord, readJsonObject } from "../../convert/file-io.js";
import { MAX_JSON_FILE_BYTES } from "../../convert/limits.js";

/** The PEFT files. */
export const PEFT_CONFIG_FILE = "adapter_config.json";
export const PEFT_WEIGHTS_FILE = "adapter_model.safetensors";

/** The parts of adapter_config.json that decide the conversion. */
export interface PeftLoraConfig {
  r: number;
  loraAlpha: number;
  useRslora: boolean;
  /** A list of module names, a regular expression (PEFT full-matches it), or "all-linear". */
  targetModules: readonly string[] | string;
  baseModel: string | undefined;
}

/** One adapted module: its PyTorch name (`model.layers.0.self_attn.q_proj`) and its two matrices. */
export interface PeftModulePair {
  module: string;
  a: SafetensorsTensor;
  b: SafetensorsTensor;
}

/** A validated adapter. */
export interface PeftAdapter {
  dir: string;
  config: PeftLoraConfig;
  file: SafetensorsFile;
  /** Sorted by module name. */
  pairs: PeftModulePair[];
}

function invalid(where: string, message: string, hint?: string): AtlasError {
  return new AtlasError("INVALID_MODEL", message, { where, ...(hint === undefined ? {} : { hint }) });
}

function unsupported(where: string, message: string, hint: string): AtlasError {
  return new AtlasError("UNSUPPORTED", message, { where, hint });
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isRecord(value) && Object.keys(value).length === 0;
}

/** Parses and checks adapter_config.json. */
export function parsePeftConfig(raw: Record<string, unknown>, where: string): PeftLoraConfig {
  const peftType = raw["peft_type"];
  if (peftType !== undefined && peftType !== "LORA")
    throw unsupported(
      where,
      `peft_type is ${JSON.stringify(peftType)}`,
      "atlas converts LoRA adapters (peft_type LORA)",
    );
  const r = raw["r"];
  if (typeof r !== "number" || !Number.isInteger(r) || r <= 0)
    throw invalid(where, `r must be a positive whole number, got ${JSON.stringify(r)}`);
  const alpha = raw["lora_alpha"];
  if (typeof alpha !== "number" || !Number.isFinite(alpha) || alpha <= 0)
    throw invalid(where, `lora_alpha must be a positive number, got ${JSON.stringify(alpha)}`);
  if (raw["use_dora"] === true)
    throw unsupported(
      where,
      "is a DoRA adapter (use_dora: true)",
      "llama.cpp's LoRA format has no magnitude vectors: merge it with PEFT first",
    );
  if (raw["fan_in_fan_out"] === true)
    throw unsupported(
      where,
      "has fan_in_fan_out: true (Conv1D layers)",
      "Gemma-2 adapters use plain Linear layers",
    );
  if (raw["bias"] !== undefined && raw["bias"] !== "none")
    throw unsupported(
      where,
      `trains biases (bias: ${JSON.stringify(raw["bias"])})`,
      "Gemma-2 has no biases; train with bias: none",
    );
  if (!isEmpty(raw["modules_to_save"]))
    throw unsupported(
      where,
      "saves whole modules (modules_to_save)",
      "a GGUF LoRA holds only low-rank updates: train without modules_to_save",
    );
  for (const key of ["rank_pattern", "alpha_pattern"])
    if (!isEmpty(raw[key]))
      throw unsupported(
        where,
        `sets per-module ranks or alphas (${key})`,
        "a GGUF LoRA has one alpha: train with one r and lora_alpha",
      );
  const targets = raw["target_modules"];
  const targetModules =
    typeof targets === "string"
      ? targets
      : Array.isArray(targets) && targets.every((t) => typeof t === "string")
        ? targets
        : undefined;
  if (targetModules === undefined) throw invalid(where, "target_modules is missing or not a list of names");
  const base = raw["base_model_name_or_path"];
  return {
    r,
    loraAlpha: alpha,
    useRslora: raw["use_rslora"] === true,
    targetModules,
    baseModel: typeof base === "string" ? base : undefined,
  };
}

/** Whether `module` (a full PyTorch module name) is one of `targets`, by PEFT's matching rules. */
export function isTargeted(module: string, targets: PeftLoraConfig["targetModules"]): boolean {
  if (typeof targets === "string") {
    if (targets === "all-linear") return true;
    try {
      return new RegExp(`^(?:${targets})$`).test(module);
    } catch {
      return false;
    }
  }
  return targets.some((t) => module === t || module.endsWith(`.${t}`));
}

const TENSOR_NAME = /^base_model\.model\.(.+)\.lora_([AB])\.weight$/;

/**
 * Reads and checks the adapter in `dir` (the adapter alone; the base is checked by the converter).
 * @throws AtlasError NOT_FOUND (no adapter_config.json / adapter_model.safetensors), INVALID_MODEL
 *   (wrong ranks or shapes, missing halves, untargeted modules), UNSUPPORTED (DoRA, biases, …)
 */
export async function readPeftAdapter(dir: string): Promise<PeftAdapter> {
  const configPath = join(dir, PEFT_CONFIG_FILE);
  const raw = await readJsonObject(configPath, MAX_JSON_FILE_BYTES);
  if (raw === undefined)
    throw new AtlasError("NOT_FOUND", `missing ${PEFT_CONFIG_FILE}`, {
      where: dir,
      hint: "give the folder PEFT's save_pretrained wrote (adapter_config.json + adapter_model.safetensors)",
    });
  const config = parsePeftConfig(raw, configPath);
  const weightsPath = join(dir, PEFT_WEIGHTS_FILE);
  if ((await fileSize(weightsPath)) === undefined) {
    const pickled = (await fileSize(join(dir, "adapter_model.bin"))) !== undefined;
    throw new AtlasError(
      pickled ? "UNSUPPORTED" : "NOT_FOUND",
      `missing ${PEFT_WEIGHTS_FILE}${pickled ? " (only the pickled adapter_model.bin)" : ""}`,
      {
        where: dir,
        hint: pickled
          ? "save the adapter with safe_serialization=True (PEFT's default)"
          : "copy the whole adapter folder",
      },
    );
  }
  const file = await readSafetensorsHeader(weightsPath);
  const halves = new Map<string, { a?: SafetensorsTensor; b?: SafetensorsTensor }>();
  for (const tensor of file.tensors) {
    const match = TENSOR_NAME.exec(tensor.name);
    if (match === null)
      throw unsupported(
        weightsPath,
        `holds '${tensor.name}', which is not a LoRA A/B matrix`,
        "atlas converts adapters of linear layers (no embedding adapters, biases or saved modules)",
      );
    if (tensor.dtype !== "F32" && tensor.dtype !== "F16" && tensor.dtype !== "BF16")
      throw unsupported(
        weightsPath,
        `tensor '${tensor.name}' has dtype ${tensor.dtype}`,
        "atlas reads F32, F16 and BF16 adapters",
      );
    if (tensor.shape.length !== 2)
      throw invalid(
        weightsPath,
        `tensor '${tensor.name}' has shape ${JSON.stringify(tensor.shape)}, not a matrix`,
      );
    const entry = halves.get(match[1]!) ?? {};
    entry[match[2] === "A" ? "a" : "b"] = tensor;
    halves.set(match[1]!, entry);
  }
  if (halves.size === 0) throw invalid(weightsPath, "holds no LoRA matrices");
  const pairs: PeftModulePair[] = [];
  for (const [module, { a, b }] of [...halves.entries()].sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (a === undefined || b === undefined)
      throw invalid(
        weightsPath,
        `module '${module}' has lora_${a === undefined ? "A" : "B"} missing`,
        "the adapter file is incomplete",
      );
    const rank = a.shape[0]!;
    if (rank !== config.r || b.shape[1] !== config.r)
      throw invalid(
        weightsPath,
        `module '${module}' has rank ${rank === config.r ? b.shape[1] : rank} but ${PEFT_CONFIG_FILE} says r = ${config.r}`,
        "the adapter's files do not belong together",
      );
    if (!isTargeted(module, config.targetModules))
      throw invalid(
        weightsPath,
        `module '${module}' is not in target_modules ${JSON.stringify(config.targetModules)}`,
        "the adapter's files do not belong together",
      );
    pairs.push({ module, a, b });
  }
  return { dir, config, file, pairs };
}
