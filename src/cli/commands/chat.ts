import { createInterface } from "node:readline";
import type { AtlasModel } from "../../api/index.js";
import { errorMessage, isAtlasError, type ChatMessage } from "../../core/index.js";
import type { GenerateOptions } from "../../engine/index.js";
import { badArgument, parseCommandArgs } from "../args.js";
import { parseBidiMode, resolveBidi } from "../bidi/index.js";
import { ChatSession } from "../chat-session.js";
import type { CliCommand } from "../command.js";
import { EXIT_FAILURE, exitCodeFor } from "../exit-codes.js";
import { eprintln, type CliIO } from "../io.js";
import {
  generateOptionsFrom,
  REPLY_FLAGS,
  LOAD_FLAGS_HELP,
  loadOptionsFrom,
  SAMPLING_FLAGS_HELP,
} from "../model-flags.js";
import { openModel } from "../open-model.js";
import { printReply } from "../print-reply.js";

const FLAGS = {
  ...REPLY_FLAGS,
  system: { type: "string" },
} as const;

export const chatCommand: CliCommand = {
  name: "chat",
  summary: "talk with a model in an interactive session",
  help: `Usage: atlas chat <model> [options]

An interactive conversation. Type a message and press Enter; the reply streams back.
Ctrl-C stops the current reply (the session goes on); Ctrl-D or /bye ends the session.
Wrap several lines in """ … """ to send them as one message.
With stdin not a terminal, every input line is one message (for scripts).

In-session commands:
  /clear                 forget the conversation (keeps the system text)
  /system [TEXT]         set the system instructions (no TEXT: show them)
  /set NAME VALUE        change a setting: temperature, top_k, top_p, min_p, repeat_penalty,
                         seed, max_tokens, verbose (on|off)
  /show                  show the model and the settings
  /save FILE             save the conversation as JSON (atlas run --messages FILE replays it)
  /load FILE             continue a saved conversation
  /help                  this list
  /bye                   leave

Options:
  --system TEXT          system instructions (folded into the first user turn for Gemma)
  -v, --verbose          speed numbers after each reply
  --bidi auto|on|off     reorder + shape Arabic for terminals without right-to-left support

${LOAD_FLAGS_HELP}

${SAMPLING_FLAGS_HELP}

Examples:
  atlas chat atlas-chat:2b
  atlas chat atlas-chat:9b --system "جاوب ديما بالدارجة المغربية." --temperature 0.3
  printf 'salam\\nwach nta mzyan?\\n' | atlas chat model.gguf --temperature 0`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("chat", argv, FLAGS);
    const [ref, ...extra] = positionals;
    if (ref === undefined) throw badArgument("chat", "missing <model>");
    if (extra.length > 0)
      throw badArgument(
        "chat",
        `unexpected argument '${extra[0]}' (the conversation is typed in the session)`,
      );
    const options: GenerateOptions = generateOptionsFrom("chat", values);
    const bidi = resolveBidi(parseBidiMode(values.bidi), io.stdout, io.env);
    const model = await openModel(
      io,
      ref,
      { ...loadOptionsFrom("chat", values), sequences: 1 },
      values.verbose === true,
    );
    try {
      const session = new ChatSession(values.system, options, values.verbose === true);
      return await repl(io, model, session, bidi);
    } finally {
      await model.dispose();
    }
  },
};

async function repl(io: CliIO, model: AtlasModel, session: ChatSession, bidi: boolean): Promise<number> {
  const interactive = io.stdin.isTTY === true;
  const rl = createInterface({ input: io.stdin, output: io.stdout, terminal: interactive, prompt: ">>> " });
  let current: AbortController | undefined;
  let multiline: string[] | undefined;
  let lastFailure: unknown;
  rl.on("SIGINT", () => {
    if (current !== undefined) {
      current.abort();
    } else if (rl.line !== "") {
      rl.write(null, { ctrl: true, name: "u" });
    } else {
      io.stdout.write("\n(use /bye or Ctrl-D to leave)\n");
      rl.prompt();
    }
  });
  if (interactive) {
    eprintln(io, `${model.info.description} — type /help for commands, /bye to leave`);
    rl.prompt();
  }
  for await (const line of rl) {
    if (multiline !== undefined) {
      if (line.trimEnd().endsWith('"""')) {
        multiline.push(line.trimEnd().slice(0, -3));
        const text = multiline.join("\n");
        multiline = undefined;
        await send(text);
      } else {
        multiline.push(line);
      }
    } else if (line.trimStart().startsWith('"""')) {
      const rest = line.trimStart().slice(3);
      if (rest.trimEnd().endsWith('"""') && rest.trim().length >= 3) await send(rest.trimEnd().slice(0, -3));
      else multiline = [rest];
    } else if (line.trimStart().startsWith("/")) {
      const outcome = await session.command(line.trim(), model);
      if (outcome.output !== "") io.stdout.write(`${outcome.output}\n`);
      if (outcome.quit) break;
    } else if (line.trim() !== "") {
      await send(line);
    }
    if (interactive) rl.prompt();
  }
  rl.close();
  // A script (stdin not a terminal) must learn that messages failed: the last failure's exit code.
  if (!interactive && lastFailure !== undefined)
    return isAtlasError(lastFailure) ? exitCodeFor(lastFailure.code) : EXIT_FAILURE;
  return 0;

  async function send(text: string): Promise<void> {
    current = new AbortController();
    try {
      const messages: ChatMessage[] = session.withUserMessage(text);
      const stream = model.generate(messages, { ...session.options, signal: current.signal });
      const result = await printReply(io, stream, { bidi, verbose: session.verbose });
      session.commit(text, result.text);
    } catch (error) {
      lastFailure = error;
      eprintln(io, `error: ${isAtlasError(error) ? error.message : errorMessage(error)}`);
      // The conversation itself is what no longer fits: say how to go on in this session.
      if (isAtlasError(error, "CONTEXT_OVERFLOW") || isAtlasError(error, "CAPACITY"))
        eprintln(io, "hint: type /clear to start a new conversation (the system text is kept)");
    } finally {
      current = undefined;
    }
  }
}
