import { readFile } from "node:fs/promises";
import { renderPromptText } from "../../api/index.js";
import { AtlasError, errorMessage, ioError, validateMessages, type ChatMessage } from "../../core/index.js";
import { resolveModel } from "../../store/index.js";
import type { GenerationResult } from "../../engine/index.js";
import { badArgument, parseCommandArgs } from "../args.js";
import { parseBidiMode, resolveBidi } from "../bidi/index.js";
import type { CliCommand } from "../command.js";
import { EXIT_OK } from "../exit-codes.js";
import { eprintln, printJson, println, type CliIO } from "../io.js";
import {
  generateOptionsFrom,
  REPLY_FLAGS,
  LOAD_FLAGS_HELP,
  loadOptionsFrom,
  SAMPLING_FLAGS_HELP,
} from "../model-flags.js";
import { openModel } from "../open-model.js";
import { printReply } from "../print-reply.js";
import { readStdin } from "../read-stdin.js";

const FLAGS = {
  ...REPLY_FLAGS,
  system: { type: "string" },
  messages: { type: "string" },
  raw: { type: "boolean" },
  "print-prompt": { type: "boolean" },
  json: { type: "boolean" },
} as const;

/**
 * Reads and checks a conversation file: a JSON array of {role, content} (or `{"messages": [...]}`).
 * A missing file is NOT_FOUND, one that cannot be read (permissions, a folder) IO, bad JSON or a bad
 * conversation BAD_ARGUMENT (the request contract's own checks, naming the file).
 */
export async function readConversation(path: string): Promise<ChatMessage[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw ioError("cannot read the conversation file", path, error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AtlasError("BAD_ARGUMENT", `not valid JSON (${errorMessage(error)})`, {
      where: path,
      hint: CONVERSATION_SHAPE,
    });
  }
  const list =
    typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) && "messages" in parsed
      ? parsed.messages
      : parsed;
  return validateMessages(list, { where: path });
}

const CONVERSATION_SHAPE = 'expected [{"role": "user", "content": "…"}, …] or {"messages": [...]}';

export const runCommand: CliCommand = {
  name: "run",
  summary: "generate a reply from a model (one prompt or a conversation file)",
  help: `Usage: atlas run <model> [prompt…] [options]

Sends one message (or a conversation) to a model and streams its reply to stdout.
<model> is a GGUF file, a Hugging Face checkpoint folder (converted once, then cached), a model
pulled with \`atlas pull\` (e.g. atlas-chat:2b, MBZUAI-Paris/Atlas-Chat-9B:q8_0), or one made with
\`atlas create\` (its system prompt, history and parameters apply; flags win).
The prompt comes from the arguments, or from stdin when none is given.

Options:
  --system TEXT        system instructions (Gemma has no system role: the text is put before the
                       first user message, separated by a blank line)
  --messages FILE      a JSON conversation: [{"role":"user","content":"…"}, …]
  --raw                plain text completion: no chat template
  --print-prompt       print the exact prompt text the model would get, then exit
  --json               print one JSON object (reply, tokens, stats) instead of streaming text
  -v, --verbose        print load details and speed numbers to stderr
  --bidi auto|on|off   reorder + shape Arabic for terminals without right-to-left support
                       (auto: on only for terminals known to lack it; never when piped)

${LOAD_FLAGS_HELP}

${SAMPLING_FLAGS_HELP}

Examples:
  atlas run atlas-chat:2b "شنو كيتسمى المنتخب المغربي ؟"
  atlas run ./Atlas-Chat-2B "labas 3lik?" --temperature 0 --max-tokens 128
  atlas run model.gguf --messages conversation.json --print-prompt
  echo "ترجم للدارجة: Good morning" | atlas run atlas-chat:9b --json`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("run", argv, FLAGS);
    const [ref, ...words] = positionals;
    if (ref === undefined) throw badArgument("run", "missing <model>");
    const loadOptions = loadOptionsFrom("run", values);
    const generateOptions = { ...generateOptionsFrom("run", values), signal: io.signal };
    const bidi = resolveBidi(parseBidiMode(values.bidi), io.stdout, io.env);
    const messages = await buildMessages(io, values, words);
    if (values.raw === true && values.messages !== undefined)
      throw badArgument("run", "--raw and --messages do not go together");

    const input = values.raw === true ? messages.map((m) => m.content).join("\n") : messages;
    if (values["print-prompt"] === true) {
      // Only the template is needed: read it from the file's metadata instead of loading the weights.
      const resolved = await resolveModel(ref, {
        quant: loadOptions.quant,
        env: io.env,
        signal: io.signal,
        onWarning: (w) => eprintln(io, `warning: ${w}`),
      });
      const text = typeof input === "string" ? input : await renderPromptText(resolved, input);
      io.stdout.write(text);
      if (io.stdout.isTTY === true) println(io);
      return EXIT_OK;
    }
    const model = await openModel(io, ref, { ...loadOptions, sequences: 1 }, values.verbose === true);
    try {
      const stream = model.generate(input, generateOptions);
      let result: GenerationResult;
      if (values.json === true) {
        result = await stream.result;
        printJson(io, {
          model: ref,
          path: model.info.path,
          reply: result.text,
          finish_reason: result.stats.finishReason,
          tokens: result.tokens,
          stats: result.stats,
        });
      } else {
        result = await printReply(io, stream, { bidi, verbose: values.verbose === true });
      }
      return result.stats.finishReason === "abort" ? 130 : EXIT_OK;
    } finally {
      await model.dispose();
    }
  },
};

async function buildMessages(
  io: CliIO,
  values: { system?: string | undefined; messages?: string | undefined },
  words: string[],
): Promise<ChatMessage[]> {
  const messages: ChatMessage[] = [];
  if (values.system !== undefined) messages.push({ role: "system", content: values.system });
  if (values.messages !== undefined) {
    if (words.length > 0) throw badArgument("run", "give either a prompt or --messages, not both");
    const conversation = await readConversation(values.messages);
    if (values.system !== undefined && conversation[0]?.role === "system")
      throw badArgument("run", "--system given but the conversation already starts with a system message");
    messages.push(...conversation);
  } else {
    const prompt = words.length > 0 ? words.join(" ") : io.stdin.isTTY === true ? "" : await readStdin(io);
    if (prompt.trim() === "") throw badArgument("run", "no prompt: give it as an argument or on stdin");
    messages.push({ role: "user", content: prompt });
  }
  if (messages.length === 0) throw badArgument("run", "the conversation is empty");
  return messages;
}
