import { inspectModel, type ModelSummary } from "../../convert/index.js";
import { badArgument, parseCommandArgs } from "../args.js";
import type { CliCommand } from "../command.js";
import { formatBytes } from "../format.js";
import { eprintln, printJson, println, type CliIO } from "../io.js";
import { formatCount } from "./convert.js";

function printSummary(io: CliIO, s: ModelSummary, showTensors: boolean): void {
  const format =
    s.format === "gguf" ? `GGUF v${s.ggufVersion ?? "?"}` : "Hugging Face checkpoint (safetensors)";
  const rows: Array<[string, string]> = [
    ["format", `${format}, ${formatBytes(s.bytes)}`],
    ["architecture", s.architecture],
    ["name", s.name ?? "(none)"],
    [s.format === "gguf" ? "file type" : "dtype", s.fileType ?? "(unknown)"],
    ["parameters", `${formatCount(s.parameters)} (${s.parameters})`],
    ["tensors", `${s.tensors.length}${showTensors ? "" : " (--tensors lists them)"}`],
  ];
  println(io, s.path);
  for (const [key, value] of rows) println(io, `  ${key.padEnd(14)}${value}`);
  println(io, "  hyper-parameters");
  const width = Math.max(0, ...Object.keys(s.hyperParameters).map((k) => k.length));
  for (const [key, value] of Object.entries(s.hyperParameters))
    println(io, `    ${key.padEnd(width)}  ${String(value)}`);
  const flags = [
    s.vocab.addBos === undefined ? "" : `add_bos ${s.vocab.addBos}`,
    s.vocab.addEos === undefined ? "" : `add_eos ${s.vocab.addEos}`,
  ].filter((f) => f !== "");
  println(
    io,
    `  vocabulary    ${s.vocab.size} tokens${s.vocab.model === undefined ? "" : ` (${s.vocab.model})`}${flags.length > 0 ? `, ${flags.join(", ")}` : ""}`,
  );
  for (const t of s.vocab.special)
    println(io, `    ${t.role.padEnd(5)} ${String(t.id).padStart(7)}  ${t.text ?? "(out of range)"}`);
  if (s.chatTemplate === undefined) println(io, "  chat template (none)");
  else {
    println(io, "  chat template");
    println(io, s.chatTemplate);
  }
  if (showTensors) {
    println(io, "  tensors");
    const nameWidth = Math.max(...s.tensors.map((t) => t.name.length));
    for (const t of s.tensors)
      println(
        io,
        `    ${t.name.padEnd(nameWidth)}  ${t.type.padEnd(6)}  ${`[${t.shape.join(", ")}]`.padEnd(16)}  ${formatBytes(t.bytes)}`,
      );
  }
  for (const warning of s.warnings) eprintln(io, `note: ${warning}`);
}

export const inspectCommand: CliCommand = {
  name: "inspect",
  summary: "summarize a GGUF file or a Hugging Face Gemma-2 checkpoint folder",
  help: `Usage: atlas inspect <file.gguf | hf-model-dir> [--json] [--tensors]

Prints the architecture, hyper-parameters, file type, parameter count, vocabulary size, special tokens
(with their ids and texts), the chat template, and optionally every tensor (name, type, shape, bytes).
GGUF shapes are in ggml order (ne[0] first); checkpoint shapes in PyTorch order.

Options:
  --tensors   list every tensor
  --json      print the summary as JSON (always with tensors and all scalar metadata)

Examples:
  atlas inspect atlas-chat-2b.q8_0.gguf
  atlas inspect ~/models/Atlas-Chat-2B --tensors
  atlas inspect model.gguf --json | jq '.vocab.special'`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("inspect", argv, {
      json: { type: "boolean" },
      tensors: { type: "boolean" },
    });
    if (positionals.length !== 1) throw badArgument("inspect", "give exactly one GGUF file or model folder");
    const summary = await inspectModel(positionals[0]!);
    if (values.json === true) printJson(io, summary);
    else printSummary(io, summary, values.tensors === true);
    return 0;
  },
};
