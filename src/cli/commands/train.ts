/** `atlas train config`: TRL / accelerate FSDP / axolotl configs for a LoRA run elsewhere (docs/tune.md). */
import { RECIPES, writeTrainConfig } from "../../tune/index.js";
import { badArgument, parseCommandArgs, parsePositiveInt, pickSubcommand } from "../args.js";
import type { CliCommand } from "../command.js";
import { eprintln, printJson, println } from "../io.js";

export const trainCommand: CliCommand = {
  name: "train",
  summary: "write TRL/axolotl configs and a multi-GPU launch script for a LoRA run (train config)",
  help: `Usage: atlas train config --recipe RECIPE --model MODEL --data DIR --out DIR [--gpus N] [--force] [--json]

atlas does not train: it prepares a run for TRL (accelerate + FSDP) or axolotl on GPU machines and
takes the adapter back (\`atlas lora convert\`). Writes into --out: trl-sft.yaml (for \`trl sft --config\`),
accelerate-fsdp.yaml, launch.sh, axolotl.yaml, recipe.json and a README.md of the hand-off. Values the
Atlas-Chat card does not state are marked "atlas choice" in every file.

Options:
      --recipe R    ${Object.keys(RECIPES).join(", ")}
      --model M     the model to fine-tune, as the trainer loads it (hub id or folder)
      --data DIR    the output of \`atlas data build\`
      --out DIR     where to write the configs
      --gpus N      GPUs per machine (default 8, as the card's run)
      --force       replace configs written before
      --json        print the result as JSON

Examples:
  atlas train config --recipe atlas-chat-lora --model MBZUAI-Paris/Atlas-Chat-2B --data sft/ --out train/
  atlas train config --recipe atlas-chat-lora --model google/gemma-2-2b-it --data sft/ --out train/ --gpus 4`,
  async run(argv, io) {
    const [, rest] = pickSubcommand("train", argv, { config: true });
    const { values, positionals } = parseCommandArgs("train config", rest, {
      recipe: { type: "string" },
      model: { type: "string" },
      data: { type: "string" },
      out: { type: "string", short: "o" },
      gpus: { type: "string" },
      force: { type: "boolean" },
      json: { type: "boolean" },
    });
    if (positionals.length > 0) throw badArgument("train config", `unexpected argument '${positionals[0]}'`);
    for (const flag of ["recipe", "model", "data", "out"] as const)
      if (values[flag] === undefined) throw badArgument("train config", `missing --${flag}`);
    const gpus = parsePositiveInt("train config", "gpus", values.gpus);
    const result = await writeTrainConfig({
      recipe: values.recipe!,
      model: values.model!,
      data: values.data!,
      out: values.out!,
      overwrite: values.force === true,
      ...(gpus === undefined ? {} : { gpus }),
    });
    if (values.json === true) printJson(io, result);
    else {
      println(io, `wrote ${result.files.map((f) => `${result.out}/${f}`).join(", ")}`);
      println(
        io,
        `next: copy ${result.out} and the data to the GPU machine, run ./launch.sh, then \`atlas lora convert\` a checkpoint`,
      );
    }
    for (const warning of result.warnings) eprintln(io, `note: ${warning}`);
    return 0;
  },
};
