import { findCreatedModel, removeCreatedModel, removeModel } from "../../store/index.js";
import { badArgument, parseCommandArgs } from "../args.js";
import type { CliCommand } from "../command.js";
import { formatBytes } from "../format.js";
import { eprintln, printJson, println } from "../io.js";

export const rmCommand: CliCommand = {
  name: "rm",
  summary: "remove a model from the atlas store",
  help: `Usage: atlas rm <model> [--quant Q | --all-quants] [--json]

Removes stored GGUF files of <model> (an alias such as atlas-chat:2b, or org/name[:quant]) from the atlas
store, or a model made with \`atlas create\` (models made from it keep working). With one quantization stored, that one goes; with several, say which (--quant) or --all-quants.
The downloaded safetensors stay in the Hugging Face cache, which Python shares (remove them with
\`huggingface-cli delete-cache\`); a later \`atlas pull\` reconverts without downloading.

Options:
  -q, --quant Q     remove this quantization only (same as <model>:Q)
      --all-quants  remove every quantization and commit of the model
      --json        print the removed entries as JSON

Examples:
  atlas rm atlas-chat:2b
  atlas rm atlas-chat:9b:q8_0
  atlas rm MBZUAI-Paris/Atlas-Chat-27B --all-quants
  atlas rm Atlas-Chat-2B                     # a model made with atlas create`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("rm", argv, {
      quant: { type: "string", short: "q" },
      "all-quants": { type: "boolean" },
      json: { type: "boolean" },
    });
    if (positionals.length !== 1) throw badArgument("rm", "give exactly one model to remove");
    if (values.quant !== undefined && values["all-quants"] === true)
      throw badArgument("rm", "--quant and --all-quants exclude each other");
    const onWarning = (w: string): void => eprintln(io, `warning: ${w}`);
    if (await isCreated(positionals[0] ?? "", io.env)) {
      if (values.quant !== undefined || values["all-quants"] === true)
        throw badArgument("rm", "--quant and --all-quants apply to pulled models, not to created ones");
      const gone = await removeCreatedModel(positionals[0] ?? "", { env: io.env, onWarning });
      if (values.json === true) printJson(io, [gone]);
      else println(io, `removed ${gone.name} (${formatBytes(gone.bytes)})`);
      return 0;
    }
    const removed = await removeModel(positionals[0] ?? "", {
      quant: values.quant,
      allQuants: values["all-quants"] === true,
      env: io.env,
      onWarning: (w) => eprintln(io, `warning: ${w}`),
    });
    if (values.json === true) {
      printJson(io, removed);
      return 0;
    }
    for (const entry of removed)
      println(
        io,
        `removed ${entry.id}@${entry.sha.slice(0, 8)} ${entry.quant} (${formatBytes(entry.bytes)})`,
      );
    return 0;
  },
};

/** Whether `name` is a created model's — also one whose manifest is damaged or whose file is gone. */
async function isCreated(name: string, env: Readonly<Record<string, string | undefined>>): Promise<boolean> {
  try {
    return (await findCreatedModel(name, { env, onWarning: () => {} })) !== undefined;
  } catch {
    return true;
  }
}
