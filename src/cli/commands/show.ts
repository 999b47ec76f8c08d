import { stat } from "node:fs/promises";
import { inspectModel, type ModelSummary } from "../../convert/index.js";
import {
  findCreatedModel,
  formatModelfile,
  formatParametersText,
  parseModelRef,
  resolveModel,
  type CreatedModel,
} from "../../store/index.js";
import { badArgument, parseCommandArgs } from "../args.js";
import type { CliCommand } from "../command.js";
import { eprintln, printJson, println, type CliIO } from "../io.js";
import { formatCount } from "./convert.js";

const ONLY = ["modelfile", "parameters", "system", "template", "license"] as const;

/** What `atlas show` tells about one model. */
interface Shown {
  name: string;
  path: string;
  created: CreatedModel | undefined;
  summary: ModelSummary;
}

async function find(io: CliIO, ref: string): Promise<Shown> {
  const onWarning = (w: string): void => eprintln(io, `warning: ${w}`);
  const created = await findCreatedModel(ref, { env: io.env, onWarning });
  if (created === undefined) {
    const parsed = parseModelRef(ref);
    if (parsed.kind === "path" && (await stat(parsed.path).catch(() => undefined))?.isDirectory() === true)
      throw badArgument(
        "show",
        `${ref} is a folder: atlas show takes a model name or a .gguf file (see \`atlas inspect ${ref}\`)`,
      );
  }
  const resolved = created === undefined ? await resolveModel(ref, { env: io.env, onWarning }) : undefined;
  const path = created?.path ?? resolved!.path;
  const summary = await inspectModel(path);
  const name = created?.name ?? (resolved?.id !== undefined ? `${resolved.id}:${resolved.quant ?? ""}` : ref);
  return { name, path, created, summary };
}

function modelfileOf(shown: Shown): string {
  const c = shown.created;
  return formatModelfile({
    name: shown.name,
    from: shown.path,
    adapters: c?.adapters,
    template: c?.template,
    system: c?.system,
    parameters: c?.parameters,
    license: c?.license,
    messages: c?.messages,
    requires: c?.requires,
  });
}

function table(io: CliIO, header: string, rows: string[][]): void {
  if (rows.length === 0) return;
  println(io, `  ${header}`);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  for (const row of rows)
    println(
      io,
      `    ${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("    ")}`.trimEnd(),
    );
  println(io);
}

function printInfo(io: CliIO, shown: Shown): void {
  const s = shown.summary;
  const hp = s.hyperParameters;
  table(io, "Model", [
    ["architecture", s.architecture],
    ["parameters", formatCount(s.parameters).replace(" ", "")],
    ...(hp["context_length"] === undefined ? [] : [["context length", String(hp["context_length"])]]),
    ...(hp["embedding_length"] === undefined ? [] : [["embedding length", String(hp["embedding_length"])]]),
    ["quantization", s.fileType ?? "unknown"],
    ...(shown.created?.requires === undefined ? [] : [["requires", shown.created.requires]]),
  ]);
  const c = shown.created;
  if (c === undefined) return;
  table(
    io,
    "Parameters",
    formatParametersText(c.parameters)
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => {
        const [name = "", ...rest] = l.split(/\s+/);
        return [name, rest.join(" ")];
      }),
  );
  if (c.system !== undefined)
    table(
      io,
      "System",
      c.system.split("\n").map((l) => [l]),
    );
  if (c.messages.length > 0)
    table(
      io,
      "Messages",
      c.messages.map((m) => [m.role, m.content.split("\n")[0] ?? ""]),
    );
  if (c.license.length > 0)
    table(
      io,
      "License",
      c.license
        .join("\n")
        .split("\n")
        .slice(0, 2)
        .map((l) => [l]),
    );
}

export const showCommand: CliCommand = {
  name: "show",
  summary: "show a model's details, or its Modelfile (ollama show)",
  help: `Usage: atlas show <model> [--modelfile | --parameters | --system | --template | --license] [--json]

Shows a model: architecture, size, context, quantization, and for a model made with \`atlas create\` its
parameters, system prompt, message history and license. <model> is a created model's name, a pulled
model (atlas-chat:2b) or a .gguf file.

Options:
  --modelfile    print a Modelfile that makes the model again, as \`ollama show --modelfile\` does
  --parameters   print the parameters (name, then value)
  --system       print the system prompt
  --template     print the template: a created model's TEMPLATE, else the model's own chat template
  --license      print the license texts
  --json         print everything as one JSON object

Examples:
  atlas show Atlas-Chat-2B
  atlas show Atlas-Chat-2B --modelfile > Modelfile
  atlas show atlas-chat:2b --template`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("show", argv, {
      modelfile: { type: "boolean" },
      parameters: { type: "boolean" },
      system: { type: "boolean" },
      template: { type: "boolean" },
      license: { type: "boolean" },
      json: { type: "boolean" },
    });
    if (positionals.length !== 1) throw badArgument("show", "give exactly one model");
    const chosen = ONLY.filter((k) => values[k] === true);
    if (chosen.length > 1)
      throw badArgument("show", "only one of --license, --modelfile, --parameters, --system or --template");
    const shown = await find(io, positionals[0]!);
    const c = shown.created;
    const template = c?.template ?? shown.summary.chatTemplate ?? "";
    if (values.json === true) {
      printJson(io, {
        name: shown.name,
        path: shown.path,
        modelfile: modelfileOf(shown),
        parameters: formatParametersText(c?.parameters ?? {}),
        template,
        system: c?.system ?? "",
        license: (c?.license ?? []).join("\n"),
        messages: c?.messages ?? [],
        adapters: c?.adapters ?? [],
        details: {
          format: shown.summary.format,
          family: shown.summary.architecture,
          parameter_size: formatCount(shown.summary.parameters).replace(" ", ""),
          quantization_level: shown.summary.fileType ?? "",
        },
        model_info: shown.summary.hyperParameters,
      });
      return 0;
    }
    switch (chosen[0]) {
      case "modelfile":
        println(io, modelfileOf(shown));
        break;
      case "parameters":
        println(io, formatParametersText(c?.parameters ?? {}));
        break;
      case "system":
        io.stdout.write(c?.system ?? "");
        break;
      case "template":
        io.stdout.write(template);
        break;
      case "license":
        println(io, (c?.license ?? []).join("\n"));
        break;
      default:
        printInfo(io, shown);
    }
    return 0;
  },
};
