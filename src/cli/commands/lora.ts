/** `atlas lora convert|merge`: LoRA adapters from PEFT to GGUF, and merged into a model (docs/tune.md). */
import { badArgument } from "../args.js";
import type { CliCommand } from "../command.js";
import { LORA_CONVERT_HELP, runLoraConvert } from "./lora-convert.js";
import { LORA_MERGE_HELP, runLoraMerge } from "./lora-merge.js";

export const loraCommand: CliCommand = {
  name: "lora",
  summary: "convert a PEFT LoRA adapter to GGUF (lora convert), merge one into a model (lora merge)",
  help: `${LORA_CONVERT_HELP}\n\n${LORA_MERGE_HELP}\n\nApply an adapter at run time: atlas run <model> --lora adapter.gguf[:scale]`,
  run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === "convert") return runLoraConvert(rest, io);
    if (sub === "merge") return runLoraMerge(rest, io);
    return Promise.reject(
      badArgument(
        "lora",
        sub === undefined
          ? "give a subcommand: convert or merge"
          : `unknown subcommand '${sub}' (convert or merge)`,
      ),
    );
  },
};
