import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { OUTPUT_TYPES, convertModel, parseOutputType, type ConvertProgress } from "../../convert/index.js";
import { badArgument, parseCommandArgs, parsePositiveInt } from "../args.js";
import type { CliCommand } from "../command.js";
import { formatBytes, formatDuration } from "../format.js";
import { eprintln, printJson, println, type CliIO } from "../io.js";
import { ProgressDisplay } from "../progress.js";

/** "2.61 B" / "115.3 K": parameter counts for people. */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return String(n);
}

/** True when something is at `path`; other failures (ENOTDIR…) are left for the conversion to report. */
async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Shows conversion progress as one bar per phase (nothing when stderr is not a TTY). */
function progressReporter(io: CliIO): { update: (p: ConvertProgress) => void; done: () => void } {
  const display = new ProgressDisplay(io);
  let phase: ConvertProgress["phase"] | undefined;
  const labels = { convert: "converting" };
  return {
    update(p) {
      if (p.phase !== phase) {
        if (phase !== undefined) display.remove(phase);
        phase = p.phase;
      }
      display.update(p.phase, {
        label: labels[p.phase],
        done: p.bytesDone,
        total: p.bytesTotal,
        unit: "bytes",
        detail: `tensor ${p.tensorsDone}/${p.tensorsTotal}`,
      });
    },
    done() {
      display.clear();
    },
  };
}

export const convertCommand: CliCommand = {
  name: "convert",
  summary: "convert a Hugging Face Gemma-2 checkpoint (safetensors) into a GGUF file",
  help: `Usage: atlas convert <hf-model-dir> -o <out.gguf> [--type TYPE] [--force] [--json] [--threads N]

Converts a Hugging Face Gemma-2 checkpoint folder (config.json, *.safetensors, tokenizer.model,
tokenizer_config.json) into one GGUF file that llama.cpp (and atlas) can run. The output appears only
when complete; Ctrl-C stops and removes the partial file.

Options:
  -o, --output FILE   the .gguf file to write (required)
  -t, --type TYPE     ${OUTPUT_TYPES.join(", ")}
                      default: the checkpoint's precision (bf16 for BF16 weights, else f16)
                      all in one pass; q4_k_m/q5_k_m/q6_k use llama.cpp's own quantization routine
                      and tensor types, so they equal what llama-quantize writes
      --force         replace the output file if it exists
      --json          print the result as JSON
      --threads N     threads for K-quant quantization (default: ATLAS_THREADS or the number of cores)

Types (bits per weight of the matrices; norms stay F32):
  f32 32, f16 16, bf16 16, q8_0 8.5, q4_0 4.5 (token_embd kept at q8_0),
  q4_k_m ~4.9, q5_k_m ~5.7, q6_k 6.6

Examples:
  atlas convert ~/models/Atlas-Chat-2B -o atlas-chat-2b.q8_0.gguf --type q8_0
  atlas convert ./Atlas-Chat-9B -o atlas-chat-9b.q4_k_m.gguf -t q4_k_m
  atlas convert ./Atlas-Chat-2B -o 2b.gguf --force --json`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("convert", argv, {
      output: { type: "string", short: "o" },
      type: { type: "string", short: "t" },
      force: { type: "boolean" },
      json: { type: "boolean" },
      threads: { type: "string" },
    });
    if (positionals.length !== 1)
      throw badArgument("convert", "give exactly one Hugging Face model folder to convert");
    const input = positionals[0]!;
    if (values.output === undefined) throw badArgument("convert", "missing -o/--output <out.gguf>");
    const type = values.type === undefined ? undefined : parseOutputType(values.type);
    if (values.type !== undefined && type === undefined)
      throw badArgument("convert", `unknown --type '${values.type}' (use one of ${OUTPUT_TYPES.join(", ")})`);
    const threads = parsePositiveInt("convert", "threads", values.threads);
    const output = resolve(values.output);
    if (values.force !== true && (await exists(output)))
      throw badArgument("convert", `${output} already exists: pass --force to replace it`);
    const progress = progressReporter(io);
    let result;
    try {
      result = await convertModel({
        input,
        output,
        signal: io.signal,
        onProgress: progress.update,
        // Without --force, an output that appears meanwhile (another convert) wins: exactly one writes it.
        overwrite: values.force === true,
        ...(type === undefined ? {} : { type }),
        ...(threads === undefined ? {} : { threads }),
      });
    } finally {
      progress.done();
    }
    if (values.json === true) {
      printJson(io, result);
      return 0;
    }
    println(
      io,
      `wrote ${result.output}: ${result.type.toUpperCase()}, ${formatBytes(result.bytes)}, ${result.tensors} tensors, ` +
        `${formatCount(result.parameters)} parameters, vocabulary ${result.vocabSize} (${formatDuration(result.seconds)})`,
    );
    for (const warning of result.warnings) eprintln(io, `note: ${warning}`);
    return 0;
  },
};
