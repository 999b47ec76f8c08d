/** The README.md of `atlas train config`: how to train on GPUs elsewhere, and how to bring the adapter back. */
import type { TrainSetup } from "./config-files.js";
import { provenance, type LoraRecipe } from "./recipes.js";

/** The hand-off README for `recipe` on `setup`. */
export function handoffReadme(recipe: LoraRecipe, setup: TrainSetup): string {
  const rows = (Object.entries(recipe) as [string, unknown][])
    .filter(
      (entry): entry is [string, { value: unknown; source: string; note: string }] =>
        typeof entry[1] === "object" && entry[1] !== null && "value" in entry[1],
    )
    .map(
      ([key, v]) =>
        `| ${key} | \`${JSON.stringify(v.value)}\` | ${v.source === "card" ? "card" : "**atlas choice**"} | ${v.note} |`,
    );
  return [
    `# ${recipe.name}: ${recipe.description}`,
    "",
    `Model: \`${setup.model}\`. Data: \`${setup.data}\` (${setup.packed ? "packed" : "one sample per row"}, ≤ ${setup.maxLen} tokens).`,
    "",
    "## 1. Train (on a GPU machine)",
    "",
    "Copy this folder and the data folder (same absolute paths, or edit `dataset_name` / the axolotl paths), then:",
    "",
    "```sh",
    "pip install trl peft accelerate   # + flash-attn for packed data",
    `./launch.sh                       # TRL on ${setup.gpus} GPUs with FSDP (NUM_GPUS=… to change)`,
    "# or: axolotl train axolotl.yaml   (through accelerate, with its FSDP settings)",
    "```",
    "",
    `Checkpoints land in \`${setup.outputDir}\`; each \`checkpoint-N/\` holds a PEFT adapter (adapter_config.json + adapter_model.safetensors).`,
    "",
    "## 2. Bring the adapter back",
    "",
    "```sh",
    `atlas lora convert ${setup.outputDir}/checkpoint-N --base ${setup.model} -o adapter.gguf`,
    `atlas run ${setup.model} --lora adapter.gguf "…"                 # try it (scale: adapter.gguf:0.5)`,
    `atlas lora merge <full-precision base> adapter.gguf -o merged.gguf --type q4_k_m   # ship one file`,
    "```",
    "",
    "## The recipe",
    "",
    "“card” values come from the Atlas-Chat model card as quoted in atlas's notes (not re-checked here);",
    "**atlas choice** values are ours — the card does not state them. Tune those.",
    "",
    "| value | setting | from | note |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
    `Precision: ${provenance(recipe.precision)}.`,
    "",
  ].join("\n");
}
