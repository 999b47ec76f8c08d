/** `atlas lora convert`: a PEFT adapter folder → a GGUF LoRA for `atlas run --lora`. */
import { LORA_OUTPUT_TYPES, convertPeftAdapter, type LoraOutputType } from "../../tune/index.js";
import { badArgument, parseCommandArgs } from "../args.js";
import { formatBytes } from "../format.js";
import { eprintln, printJson, println, type CliIO } from "../io.js";

/** Usage of `atlas lora convert`. */
export const LORA_CONVERT_HELP = `Usage: atlas lora convert <peft-adapter-dir> --base MODEL -o <adapter.gguf> [--type f32|f16|bf16] [--force] [--json]

Reads a PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors, as TRL / PEFT save it),
checks every module against the base model (architecture, layer, input and output sizes, rank), and
writes the GGUF LoRA layout llama.cpp loads (blk.N.attn_q.weight.lora_a / .lora_b, adapter.lora.alpha).
rsLoRA (use_rslora) is kept exact: alpha is written as lora_alpha·√r. On any error no file is written.

Options:
      --base MODEL     the base: checkpoint folder (config.json is enough), GGUF file, or pulled model
  -o, --output FILE    the adapter .gguf to write
  -t, --type T         f32, f16 or bf16 (default: the adapter's own precision)
      --force          replace the output if it exists
      --json           print the result as JSON

Examples:
  atlas lora convert train/output/checkpoint-3000 --base MBZUAI-Paris/Atlas-Chat-2B -o darija-lora.gguf
  atlas run atlas-chat:2b --lora darija-lora.gguf:0.8 "labas?"`;

/** Runs `atlas lora convert`. */
export async function runLoraConvert(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("lora convert", argv, {
    base: { type: "string" },
    output: { type: "string", short: "o" },
    type: { type: "string", short: "t" },
    force: { type: "boolean" },
    json: { type: "boolean" },
  });
  if (positionals.length !== 1) throw badArgument("lora convert", "give exactly one PEFT adapter folder");
  if (values.base === undefined)
    throw badArgument("lora convert", "missing --base <model> (the model the adapter was trained on)");
  if (values.output === undefined) throw badArgument("lora convert", "missing -o/--output <adapter.gguf>");
  const type = values.type?.toLowerCase();
  if (type !== undefined && !(LORA_OUTPUT_TYPES as readonly string[]).includes(type))
    throw badArgument(
      "lora convert",
      `unknown --type '${values.type}' (use one of ${LORA_OUTPUT_TYPES.join(", ")})`,
    );
  const result = await convertPeftAdapter({
    adapter: positionals[0]!,
    base: values.base,
    output: values.output,
    overwrite: values.force === true,
    env: io.env,
    ...(type === undefined ? {} : { type: type as LoraOutputType }),
  });
  if (values.json === true) printJson(io, result);
  else
    println(
      io,
      `wrote ${result.output}: ${result.modules} adapted weights, rank ${result.rank}, alpha ${result.alpha}${result.rslora ? " (rsLoRA)" : ""} → scale ${result.scale.toPrecision(6)} at --lora scale 1, ${result.type.toUpperCase()}, ${formatBytes(result.bytes)}`,
    );
  for (const warning of result.warnings) eprintln(io, `note: ${warning}`);
  return 0;
}
