import { stat } from "node:fs/promises";
import { join } from "node:path";
import { OUTPUT_TYPES } from "../../convert/index.js";
import {
  createModel,
  createModelFromModelfile,
  SUPPORTED_PARAMETERS,
  type CreateModelResult,
  type CreateProgress,
} from "../../store/index.js";
import { convertPeftAdapter } from "../../tune/index.js";
import type { AdapterConverter } from "../../store/index.js";
import { badArgument, parseCommandArgs, parsePositiveInt } from "../args.js";
import type { CliCommand } from "../command.js";
import { formatBytes } from "../format.js";
import { eprintln, printJson, println, type CliIO } from "../io.js";
import { ProgressDisplay } from "../progress.js";

const CONVERT = "\u0000convert";

/** `text` broken at spaces into lines of at most `width`, continuation lines indented by `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && indent + line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines.join(`\n${" ".repeat(indent)}`);
}

/** tune's PEFT → GGUF converter, for ADAPTER lines naming a PEFT folder (the store cannot import tune). */
export function peftConverter(io: CliIO): AdapterConverter {
  return async ({ adapter, base, output }) => {
    const result = await convertPeftAdapter({ adapter, base, output, env: io.env });
    return { warnings: result.warnings };
  };
}

/** Status lines and the conversion bar on stderr (nothing with --json but warnings). */
function createReporter(
  io: CliIO,
  quiet: boolean,
): { update: (e: CreateProgress) => void; done: () => void } {
  const display = new ProgressDisplay(io);
  const say = (text: string): void => {
    if (quiet) return;
    display.clear();
    eprintln(io, text);
  };
  return {
    update(event) {
      if (event.type === "convert") {
        const p = event.progress;
        display.update(CONVERT, {
          label: "converting",
          done: p.bytesDone,
          total: p.bytesTotal,
          unit: "bytes",
          detail: `tensor ${p.tensorsDone}/${p.tensorsTotal}`,
        });
      } else if (event.type === "waiting") say(`waiting: ${event.what}`);
      else if (event.status !== "success") say(event.status);
    },
    done() {
      display.clear();
    },
  };
}

function summary(result: CreateModelResult): string[] {
  const m = result.model;
  const parts = [
    m.template === undefined ? "the model's own chat template" : "its TEMPLATE",
    m.system === undefined ? undefined : "a system prompt",
    Object.keys(m.parameters).length === 0 ? undefined : `parameters ${Object.keys(m.parameters).join(", ")}`,
    m.messages.length === 0 ? undefined : `${m.messages.length} messages of history`,
    m.adapters.length === 0
      ? undefined
      : `${m.adapters.length} LoRA adapter${m.adapters.length === 1 ? "" : "s"}`,
  ].filter((p) => p !== undefined);
  const short = m.name.replace(/:latest$/, "");
  return [
    `${result.replaced ? "replaced" : "created"} ${m.name} (${m.quant ?? "gguf"}, ${formatBytes(m.bytes)}): ${parts.join(", ")}`,
    `run it: atlas run ${short} "…"   (atlas serve lists it as ${m.name})`,
  ];
}

export const createCommand: CliCommand = {
  name: "create",
  summary: "make a model from a Modelfile (ollama create): base, template, system prompt, parameters",
  help: `Usage: atlas create <name> [-f Modelfile] [--quant Q] [--force] [--json]

Makes a model from an Ollama Modelfile and adds it to the atlas store under <name>, where
\`atlas run\`, \`atlas chat\`, \`atlas show\` and \`atlas list\` find it — with its system prompt,
parameters, message history and template applied. Modelfiles are read exactly as Ollama reads them
(instructions case-insensitive, # comments, """multi-line""" values).

  FROM <model | file.gguf | checkpoint folder>   required; paths are relative to the Modelfile
      a Hugging Face checkpoint folder (FROM . for the Modelfile's own folder) is converted to GGUF;
      a GGUF file is linked into the store; an existing model is shared (no copy)
  TEMPLATE """…"""    a Go template of Gemma's format (Ollama's gemma2 one); other formats are refused:
                      leave TEMPLATE out to use the model's own chat template
  SYSTEM """…"""      the system prompt (Gemma folds it into the first user turn)
  PARAMETER name v    ${wrap(SUPPORTED_PARAMETERS.join(", "), 78, 22)}
                      (stop repeats); other Ollama parameters are refused by name
  MESSAGE role text   history put before every chat (system, user, assistant)
  ADAPTER path        a GGUF LoRA, or a PEFT adapter folder (converted, checked against FROM)
  LICENSE """…"""     kept and shown by \`atlas show --license\`
  REQUIRES version    kept

<name> is [namespace/]name[:tag] (tag latest by default). Creating a name again replaces that model,
as \`ollama create\` does; a name a pulled model answers to (atlas-chat:2b …) is refused unless --force.
On any error nothing is added to the store.

Options:
  -f, --file FILE     the Modelfile (default ./Modelfile; without one: FROM . — this folder)
  -q, --quant Q       type a checkpoint FROM is converted to (default q4_k_m):
                      ${OUTPUT_TYPES.join(", ")}
      --quantize Q    the same (Ollama's name for it)
      --force         take a name a pulled model answers to
      --threads N     llama.cpp threads for K-quant conversion
      --json          print the created model as JSON

Examples:
  huggingface-cli download MBZUAI-Paris/Atlas-Chat-2B --local-dir Atlas-Chat-2B/
  atlas create Atlas-Chat-2B -f Atlas-Chat-2B/modelfile
  atlas run Atlas-Chat-2B "شنو كيتسمى المنتخب المغربي ؟"

  printf 'FROM atlas-chat:2b\\nSYSTEM جاوب ديما بالدارجة.\\nPARAMETER temperature 0.3\\n' > Modelfile
  atlas create darija-tutor && atlas show darija-tutor --modelfile`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("create", argv, {
      file: { type: "string", short: "f" },
      quant: { type: "string", short: "q" },
      quantize: { type: "string" },
      force: { type: "boolean" },
      threads: { type: "string" },
      json: { type: "boolean" },
    });
    if (positionals.length !== 1) throw badArgument("create", "give exactly one <name> for the model");
    if (values.quant !== undefined && values.quantize !== undefined)
      throw badArgument("create", "--quant and --quantize are the same option: give one");
    const name = positionals[0]!;
    const json = values.json === true;
    const reporter = createReporter(io, json);
    const common = {
      name,
      quantize: values.quant ?? values.quantize,
      force: values.force === true,
      threads: parsePositiveInt("create", "threads", values.threads),
      env: io.env,
      signal: io.signal,
      convertAdapter: peftConverter(io),
      onProgress: reporter.update,
      onWarning: (w: string) => eprintln(io, `warning: ${w}`),
    };
    let result: CreateModelResult;
    try {
      const implicit = join(process.cwd(), "Modelfile");
      if (values.file === undefined && (await stat(implicit).catch(() => undefined)) === undefined)
        result = await createModel({ ...common, from: { kind: "path", path: process.cwd() } });
      else result = await createModelFromModelfile({ ...common, modelfile: values.file ?? implicit });
    } finally {
      reporter.done();
    }
    for (const warning of result.warnings) eprintln(io, `warning: ${warning}`);
    if (json)
      printJson(io, {
        ...result.model,
        replaced: result.replaced,
        converted: result.converted,
        warnings: result.warnings,
      });
    else for (const line of summary(result)) println(io, line);
    return 0;
  },
};
