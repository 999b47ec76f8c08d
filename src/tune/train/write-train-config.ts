/**
 * `writeTrainConfig`: everything needed to train a LoRA on an `atlas data build` output elsewhere — TRL +
 * accelerate FSDP (config, launch script), axolotl, the recipe with the provenance of every value, and a
 * README of the hand-off (train there, then `atlas lora convert` the adapter here).
 */
import { chmod, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { AtlasError, makeFolder, writeFileAtomic } from "../../core/index.js";
import { readSftStats } from "../data/read-sft-stats.js";
import { accelerateConfig, axolotlConfig, launchScript, trlConfig, type TrainSetup } from "./config-files.js";
import { handoffReadme } from "./handoff-readme.js";
import { RECIPES, type LoraRecipe } from "./recipes.js";

/** Options of {@link writeTrainConfig}. */
export interface TrainConfigOptions {
  /** Recipe name (`atlas-chat-lora`). */
  recipe: string;
  /** Hub id or folder of the model to fine-tune (what the trainer loads). */
  model: string;
  /** The `atlas data build` output folder. */
  data: string;
  /** Folder to write. */
  out: string;
  /** GPUs per machine (default: the recipe's, 8). */
  gpus?: number;
  /** Replace files from an earlier run (default false). */
  overwrite?: boolean;
}

/** What {@link writeTrainConfig} wrote. */
export interface TrainConfigResult {
  out: string;
  files: string[];
  recipe: LoraRecipe;
  warnings: string[];
}

/** The files written, in the order listed. */
export const TRAIN_CONFIG_FILES = [
  "trl-sft.yaml",
  "accelerate-fsdp.yaml",
  "launch.sh",
  "axolotl.yaml",
  "recipe.json",
  "README.md",
] as const;

/**
 * Writes the training configs for `options.data` into `options.out`.
 * @throws AtlasError BAD_ARGUMENT (unknown recipe, bad gpus, files exist), NOT_FOUND / INVALID_MODEL (data)
 */
export async function writeTrainConfig(options: TrainConfigOptions): Promise<TrainConfigResult> {
  const recipe = RECIPES[options.recipe];
  if (recipe === undefined)
    throw new AtlasError("BAD_ARGUMENT", `unknown recipe '${options.recipe}'`, {
      hint: `use one of ${Object.keys(RECIPES).join(", ")}`,
    });
  const gpus = options.gpus ?? recipe.gpus.value;
  if (!Number.isInteger(gpus) || gpus < 1 || gpus > 1024)
    throw new AtlasError("BAD_ARGUMENT", `gpus must be a whole number from 1 to 1024, got ${gpus}`, {
      details: { field: "gpus" },
    });
  const data = resolve(options.data);
  const out = resolve(options.out);
  const { stats } = await readSftStats(data);
  if (options.overwrite !== true)
    for (const name of TRAIN_CONFIG_FILES)
      if ((await stat(join(out, name)).catch(() => undefined)) !== undefined)
        throw new AtlasError("BAD_ARGUMENT", `${name} already exists`, {
          where: out,
          hint: "pass --force to replace the configs",
        });
  const warnings: string[] = [];
  if (stats.maxLen > recipe.maxLength.value)
    warnings.push(`the data allows ${stats.maxLen} tokens, more than the recipe's ${recipe.maxLength.value}`);
  if (stats.model !== options.model)
    warnings.push(
      `the data was tokenized for ${stats.model}; make sure ${options.model} has the same tokenizer and chat template`,
    );
  if (stats.packed)
    warnings.push("packed data: TRL needs flash-attn (padding-free); for axolotl rebuild without --pack");
  const jsonl = (split: string): string[] =>
    (stats.splits[split]?.jsonl ?? []).map((f) => join(data, ...f.split("/")));
  const setup: TrainSetup = {
    model: options.model,
    data,
    packed: stats.packed,
    maxLen: stats.maxLen,
    hasValidation: stats.splits["validation"] !== undefined,
    jsonl: { train: jsonl("train"), validation: jsonl("validation") },
    gpus,
    outputDir: join(out, "output"),
    seed: stats.seed,
  };
  const texts: Record<(typeof TRAIN_CONFIG_FILES)[number], string> = {
    "trl-sft.yaml": trlConfig(recipe, setup),
    "accelerate-fsdp.yaml": accelerateConfig(recipe, setup),
    "launch.sh": launchScript(setup),
    "axolotl.yaml": axolotlConfig(recipe, setup),
    "recipe.json": `${JSON.stringify({ ...recipe, gpus: { ...recipe.gpus, value: gpus } }, null, 2)}\n`,
    "README.md": handoffReadme(recipe, setup),
  };
  await makeFolder(out, "cannot create the output folder");
  for (const name of TRAIN_CONFIG_FILES)
    await writeFileAtomic(join(out, name), texts[name], { durable: false });
  await chmod(join(out, "launch.sh"), 0o755);
  return { out, files: [...TRAIN_CONFIG_FILES], recipe, warnings };
}
