/** `atlas lora merge`: base + adapter → one GGUF (W + scale·(alpha/r)·B·A), quantized in the same pass. */
import { OUTPUT_TYPES, parseOutputType, type ConvertProgress } from "../../convert/index.js";
import { mergeLora } from "../../tune/index.js";
import { badArgument, parseCommandArgs, parsePositiveInt } from "../args.js";
import { formatBytes, formatDuration } from "../format.js";
import { eprintln, printJson, println, type CliIO } from "../io.js";
import { ProgressDisplay } from "../progress.js";

/** Usage of `atlas lora merge`. */
export const LORA_MERGE_HELP = `Usage: atlas lora merge <model> <adapter.gguf> -o <merged.gguf> [--type TYPE] [--scale S] [--threads N] [--force] [--json]

Adds the adapter to the model's weights, W' = W + S·(alpha/r)·B·A for every adapted weight (what
\`atlas run <model> --lora adapter.gguf:S\` computes at run time), and writes one GGUF — quantized in the
same pass with the converter's writer (our F32/F16/BF16/Q8_0/Q4_0 code; llama.cpp's routine and tensor
types for K-quants). The model must be full precision: a checkpoint folder, or an f32/f16/bf16 GGUF.

Options:
  -o, --output FILE   the merged .gguf to write
  -t, --type TYPE     ${OUTPUT_TYPES.join(", ")} (default: the base's precision)
      --scale S       the adapter's strength (default 1)
      --threads N     K-quants: llama.cpp threads
      --force         replace the output if it exists
      --json          print the result as JSON

Examples:
  atlas lora merge ~/models/Atlas-Chat-2B darija-lora.gguf -o atlas-darija.q4_k_m.gguf --type q4_k_m
  atlas lora merge atlas-chat-2b.f16.gguf darija-lora.gguf -o merged.f16.gguf --scale 0.5`;

/** Runs `atlas lora merge`. */
export async function runLoraMerge(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("lora merge", argv, {
    output: { type: "string", short: "o" },
    type: { type: "string", short: "t" },
    scale: { type: "string" },
    threads: { type: "string" },
    force: { type: "boolean" },
    json: { type: "boolean" },
  });
  if (positionals.length !== 2) throw badArgument("lora merge", "give the model and the adapter .gguf");
  if (values.output === undefined) throw badArgument("lora merge", "missing -o/--output <merged.gguf>");
  const type = values.type === undefined ? undefined : parseOutputType(values.type);
  if (values.type !== undefined && type === undefined)
    throw badArgument(
      "lora merge",
      `unknown --type '${values.type}' (use one of ${OUTPUT_TYPES.join(", ")})`,
    );
  const scale = values.scale === undefined ? undefined : Number(values.scale);
  if (scale !== undefined && (values.scale!.trim() === "" || !Number.isFinite(scale)))
    throw badArgument("lora merge", `--scale must be a number, got '${values.scale}'`);
  const threads = parsePositiveInt("lora merge", "threads", values.threads);
  const display = new ProgressDisplay(io);
  let result;
  try {
    result = await mergeLora({
      model: positionals[0]!,
      adapter: positionals[1]!,
      output: values.output,
      overwrite: values.force === true,
      signal: io.signal,
      env: io.env,
      onProgress: (p: ConvertProgress) =>
        display.update("merge", {
          label: "merging",
          done: p.bytesDone,
          total: p.bytesTotal,
          unit: "bytes",
          detail: `tensor ${p.tensorsDone}/${p.tensorsTotal}`,
        }),
      ...(type === undefined ? {} : { type }),
      ...(scale === undefined ? {} : { scale }),
      ...(threads === undefined ? {} : { threads }),
    });
  } finally {
    display.clear();
  }
  if (values.json === true) printJson(io, result);
  else
    println(
      io,
      `wrote ${result.output}: ${result.type.toUpperCase()}, ${formatBytes(result.bytes)}, ${result.tensors} tensors, ${result.merged} merged (${formatDuration(result.seconds)})`,
    );
  for (const warning of result.warnings) eprintln(io, `note: ${warning}`);
  return 0;
}
