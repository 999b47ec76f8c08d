/** `atlas lora convert|merge`: LoRA adapters from PEFT to GGUF, and merged into a model (docs/tune.md). */
import { pickSubcommand } from "../args.js";
import type { CliCommand } from "../command.js";
import { LORA_CONVERT_HELP, runLoraConvert } from "./lora-convert.js";
import { LORA_MERGE_HELP, runLoraMerge } from "./lora-merge.js";

export const loraCommand: CliCommand = {
  name: "lora",
  summary: "convert a PEFT LoRA adapter to GGUF (lora convert), merge one into a model (lora merge)",
  help: `${LORA_CONVERT_HELP}\n\n${LORA_MERGE_HELP}\n\nApply an adapter at run time: atlas run <model> --lora adapter.gguf[:scale]`,
  async run(argv, io) {
    const [run, rest] = pickSubcommand("lora", argv, { convert: runLoraConvert, merge: runLoraMerge });
    return run(rest, io);
  },
};
