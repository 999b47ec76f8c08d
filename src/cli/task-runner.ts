/**
 * Shared plumbing of the Darija task commands (translate, transliterate, summarize, sentiment): the text
 * from arguments or stdin, the model (`--model`, default $ATLAS_MODEL or atlas-chat:2b), greedy decoding
 * unless sampling flags say otherwise, streamed or JSON output.
 */
import type { AtlasModel } from "../api/index.js";
import type { GenerateOptions } from "../engine/index.js";
import { badArgument, parseCommandArgs, type ParsedValues } from "./args.js";
import { parseBidiMode, resolveBidi } from "./bidi/index.js";
import type { CliIO } from "./io.js";
import { printJson } from "./io.js";
import { generateOptionsFrom, REPLY_FLAGS, LOAD_FLAGS_HELP, loadOptionsFrom } from "./model-flags.js";
import { defaultModelRef, openModel } from "./open-model.js";
import { printReply } from "./print-reply.js";
import { readStdin } from "./read-stdin.js";

export const TASK_FLAGS = {
  ...REPLY_FLAGS,
  model: { type: "string", short: "m" },
  json: { type: "boolean" },
} as const;

export const TASK_FLAGS_HELP = `Common options:
  -m, --model REF      model to use (default $ATLAS_MODEL, else atlas-chat:2b)
  --json               print a JSON object instead of plain text
  -v, --verbose        load details and speed numbers on stderr
  --bidi auto|on|off   reorder + shape Arabic for terminals without right-to-left support
  --temperature T, --max-tokens N, --seed N, … as in \`atlas run\` (default: greedy)

${LOAD_FLAGS_HELP}`;

/** Parsed flags + the input text of a task command. */
export interface TaskInput<F extends typeof TASK_FLAGS> {
  values: ParsedValues<F>;
  text: string;
}

/** Parses flags; the text is the positional arguments joined, else stdin. */
export async function parseTask<F extends typeof TASK_FLAGS>(
  command: string,
  argv: string[],
  io: CliIO,
  flags: F,
): Promise<TaskInput<F>> {
  const { values, positionals } = parseCommandArgs(command, argv, flags);
  const text =
    positionals.length > 0 ? positionals.join(" ") : io.stdin.isTTY === true ? "" : await readStdin(io);
  if (text.trim() === "") throw badArgument(command, "no text: give it as an argument or on stdin");
  return { values, text };
}

/** Opens the model named by --model. */
export function openTaskModel(
  command: string,
  io: CliIO,
  values: ParsedValues<typeof TASK_FLAGS>,
): Promise<AtlasModel> {
  return openModel(
    io,
    values.model ?? defaultModelRef(io),
    { ...loadOptionsFrom(command, values), sequences: 1 },
    values.verbose === true,
  );
}

/** Runs a generation task: one user message, streamed (or JSON with `extra` fields). */
export async function runGenerationTask(
  command: string,
  io: CliIO,
  values: ParsedValues<typeof TASK_FLAGS>,
  prompt: string,
  extra: Record<string, unknown>,
): Promise<number> {
  const options: GenerateOptions = {
    temperature: 0,
    ...generateOptionsFrom(command, values),
    signal: io.signal,
  };
  const bidi = resolveBidi(parseBidiMode(values.bidi), io.stdout, io.env);
  const model = await openTaskModel(command, io, values);
  try {
    const stream = model.generate([{ role: "user", content: prompt }], options);
    if (values.json === true) {
      const result = await stream.result;
      printJson(io, {
        ...extra,
        text: result.text.trim(),
        finish_reason: result.stats.finishReason,
        stats: result.stats,
      });
      return result.stats.finishReason === "abort" ? 130 : 0;
    }
    const result = await printReply(io, stream, { bidi, verbose: values.verbose === true });
    return result.stats.finishReason === "abort" ? 130 : 0;
  } finally {
    await model.dispose();
  }
}
