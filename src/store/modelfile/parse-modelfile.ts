/**
 * `parseModelfile`: an Ollama Modelfile → its commands, read exactly as Ollama's parser (parser/parser.go)
 * reads them — the same state machine, so a file means the same thing to `atlas create` and `ollama create`:
 *
 * - `INSTRUCTION arguments`, one per line; instructions case-insensitive; `#` starts a comment line.
 * - A value runs to the end of its line, spaces and tabs included, trimmed at both ends. `"…"` and
 *   `"""…"""` quote it (kept spaces, several lines); there are no escapes: a quoted value ends at the first
 *   line that ends with the closing quote(s), so `"""` strings may hold `"`.
 * - `PARAMETER <name> <value>` (name: letters, digits, `_`; kept as written), `MESSAGE <role> <text>`
 *   (role exactly `system`, `user` or `assistant`), stored as `role: text` like Ollama.
 * - Characters Go does not count as printable (control and format characters, spaces other than U+0020)
 *   are dropped outside the separators, as Ollama drops them.
 * - UTF-8, with or without a BOM; UTF-16 with a BOM.
 *
 * Errors are Ollama's, said with the line and what to do next. Line numbers are those of the text's lines
 * (a CRLF ends one line).
 */
import { AtlasError } from "../../core/index.js";

/** One instruction: Ollama's command name (`model` for FROM, the parameter's name for PARAMETER). */
export interface ModelfileCommand {
  /** `model`, `adapter`, `template`, `system`, `license`, `message`, `requires`, `renderer`, `parser`, `draft`, or a parameter name. */
  name: string;
  /** The value (a MESSAGE's is `role: text`). */
  args: string;
  /** 1-based line of the instruction. */
  line: number;
}

/** A parsed Modelfile. */
export interface Modelfile {
  commands: ModelfileCommand[];
}

/** Largest Modelfile read (templates and license texts are a few KiB; this bounds untrusted input). */
export const MAX_MODELFILE_BYTES = 4 * 1024 * 1024;

const INSTRUCTIONS = [
  "from",
  "license",
  "template",
  "system",
  "adapter",
  "draft",
  "renderer",
  "parser",
  "parameter",
  "message",
  "requires",
] as const;

/** Ollama's wording of its errors (parser.go), kept so messages match what users search for. */
const INVALID_COMMAND =
  'command must be one of "from", "license", "template", "system", "adapter", "draft", "renderer", "parser", "parameter", "message", or "requires"';
const INVALID_ROLE = 'message role must be one of "system", "user", or "assistant"';

const enum State {
  Nil,
  Name,
  Value,
  Parameter,
  Message,
  Comment,
}

const isAlpha = (r: string): boolean => (r >= "a" && r <= "z") || (r >= "A" && r <= "Z");
const isNumber = (r: string): boolean => r >= "0" && r <= "9";
const isSpace = (r: string): boolean => r === " " || r === "\t";
const isNewline = (r: string): boolean => r === "\r" || r === "\n";
/** Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * Go's strings.TrimSpace. Only these white-space characters can reach a value: the other ones are not
 * printable, so they were dropped.
 */
function trimSpace(s: string): string {
  return s.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
}

/** Ollama's `unquote`: the value inside `"…"` or `"""…"""`, or undefined while a quote is still open. */
function unquote(s: string): string | undefined {
  if (s.startsWith('"""')) return s.length >= 6 && s.endsWith('"""') ? s.slice(3, -3) : undefined;
  if (s.startsWith('"')) return s.length >= 2 && s.endsWith('"') ? s.slice(1, -1) : undefined;
  return s;
}

/** Decodes the bytes as Ollama does: a UTF-16 BOM switches to UTF-16, a UTF-8 BOM is dropped. */
function decode(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes.subarray(2));
  return new TextDecoder("utf-8").decode(bytes);
}

/** Options of {@link parseModelfile}. */
export interface ParseModelfileOptions {
  /** The file, for messages (`Atlas-Chat-2B/modelfile:3`). */
  where?: string;
}

function syntaxError(where: string | undefined, line: number, message: string, hint: string): AtlasError {
  return new AtlasError("BAD_ARGUMENT", `Modelfile line ${line}: ${message}`, {
    ...(where === undefined ? {} : { where: `${where}:${line}` }),
    hint,
  });
}

const VALUE_HINTS: Record<string, string> = {
  parameter: "write PARAMETER <name> <value>, e.g. PARAMETER temperature 0.7",
  message: "write MESSAGE <system|user|assistant> <text>",
};

/**
 * Parses a Modelfile (text, or its bytes in any encoding Ollama reads).
 * @throws AtlasError BAD_ARGUMENT for an unknown instruction, a bad MESSAGE role, a PARAMETER or MESSAGE
 *   without a value, a quote never closed, no FROM line, or a file over {@link MAX_MODELFILE_BYTES}
 * @example parseModelfile('FROM .\nPARAMETER stop "<end_of_turn>"\n').commands
 *   // [{ name: "model", args: ".", line: 1 }, { name: "stop", args: "<end_of_turn>", line: 2 }]
 */
export function parseModelfile(input: string | Uint8Array, options: ParseModelfileOptions = {}): Modelfile {
  const size = typeof input === "string" ? Buffer.byteLength(input) : input.byteLength;
  if (size > MAX_MODELFILE_BYTES)
    throw new AtlasError("BAD_ARGUMENT", `the Modelfile has ${size} bytes; at most ${MAX_MODELFILE_BYTES}`, {
      ...(options.where === undefined ? {} : { where: options.where }),
      hint: "a Modelfile holds instructions and texts, not weights: point FROM at the model files",
    });
  const text = typeof input === "string" ? input.replace(/^\uFEFF/, "") : decode(input);
  const where = options.where;
  const commands: ModelfileCommand[] = [];
  let state = State.Nil;
  let buffer = "";
  let name = "";
  let role = "";
  let line = 1;
  let start = 1;
  let previous = "";
  /** The instruction being read, for messages: `FROM`, `PARAMETER stop`, `MESSAGE user`. */
  let label = "";

  const fail = (message: string, hint: string, at = line): never => {
    throw syntaxError(where, at, message, hint);
  };
  const unexpectedEnd = (at: number): never => {
    if (state === State.Value)
      return fail(
        `the value of ${label} is a quoted string that is never closed (unexpected EOF)`,
        'close it: a "…" value ends at a line ending with ", a """…""" one at a line ending with """',
        at,
      );
    if (state === State.Name)
      return fail(`${buffer} has no value (unexpected EOF)`, "write INSTRUCTION <value>, e.g. FROM .", at);
    const parameter = state === State.Parameter;
    return fail(
      `${parameter ? "PARAMETER" : "MESSAGE"}${buffer === "" ? "" : ` ${buffer}`} has no value (unexpected EOF)`,
      VALUE_HINTS[parameter ? "parameter" : "message"]!,
      at,
    );
  };

  for (const r of text) {
    // A CRLF is one line break; a lone CR counts as one too.
    if (r === "\n" ? previous !== "\r" : r === "\r") line++;
    previous = r;
    let next: State = state;
    let keep = r;
    switch (state) {
      case State.Nil:
        if (r === "#") [next, keep] = [State.Comment, ""];
        else if (isSpace(r) || isNewline(r)) [next, keep] = [State.Nil, ""];
        else {
          next = State.Name;
          start = line;
        }
        break;
      case State.Name:
        if (isAlpha(r)) next = State.Name;
        else if (isSpace(r)) [next, keep] = [State.Value, ""];
        else {
          const at = isNewline(r) ? line - 1 : line;
          if (isNewline(r) && isInstruction(buffer)) return unexpectedEnd(at);
          return fail(
            `'${buffer}${isNewline(r) ? "" : r}' is not an instruction: ${INVALID_COMMAND}`,
            "fix or remove the line (instructions are case-insensitive; # starts a comment)",
            at,
          );
        }
        break;
      case State.Value:
        next = isNewline(r) || isSpace(r) ? State.Nil : State.Value;
        break;
      case State.Parameter:
      case State.Message:
        if (isAlpha(r) || (state === State.Parameter && (isNumber(r) || r === "_"))) next = state;
        else if (isSpace(r)) [next, keep] = [State.Value, ""];
        else if (isNewline(r)) return unexpectedEnd(line - 1);
        else if (state === State.Parameter)
          return fail(
            `PARAMETER name '${buffer}${r}' has a character other than letters, digits and _ (unexpected EOF)`,
            VALUE_HINTS["parameter"]!,
          );
        else return fail(`MESSAGE role '${buffer}${r}': ${INVALID_ROLE}`, VALUE_HINTS["message"]!, start);
        break;
      case State.Comment:
        [next, keep] = [isNewline(r) ? State.Nil : State.Comment, ""];
        break;
    }

    if (next !== state) {
      switch (state) {
        case State.Name: {
          if (!isInstruction(buffer))
            return fail(
              `'${buffer}' is not an instruction: ${INVALID_COMMAND}`,
              "fix or remove the line (instructions are case-insensitive; # starts a comment)",
            );
          const word = buffer.toLowerCase();
          label = word.toUpperCase();
          if (word === "parameter") next = State.Parameter;
          else if (word === "message") {
            next = State.Message;
            name = "message";
          } else name = word === "from" ? "model" : word;
          break;
        }
        case State.Parameter:
          name = buffer;
          label = `PARAMETER ${buffer}`;
          break;
        case State.Message:
          if (buffer !== "system" && buffer !== "user" && buffer !== "assistant")
            return fail(`MESSAGE role '${buffer}': ${INVALID_ROLE}`, VALUE_HINTS["message"]!, start);
          role = buffer;
          label = `MESSAGE ${buffer}`;
          break;
        case State.Value: {
          const value = unquote(trimSpace(buffer));
          if (value === undefined || isSpace(r)) {
            buffer += r;
            continue;
          }
          commands.push({ name, args: role === "" ? value : `${role}: ${value}`, line: start });
          role = "";
          break;
        }
        default:
          break;
      }
      buffer = "";
      state = next;
    }
    if (keep !== "" && PRINTABLE.test(keep)) buffer += keep;
  }

  if (state === State.Value) {
    const value = unquote(trimSpace(buffer));
    if (value === undefined) return unexpectedEnd(start);
    commands.push({ name, args: role === "" ? value : `${role}: ${value}`, line: start });
  } else if (state !== State.Nil && state !== State.Comment) return unexpectedEnd(line);

  if (!commands.some((c) => c.name === "model"))
    throw new AtlasError("BAD_ARGUMENT", "the Modelfile has no FROM line", {
      ...(where === undefined ? {} : { where }),
      hint: "add FROM <model name, .gguf file or checkpoint folder>, e.g. FROM . for the Modelfile's own folder",
    });
  return { commands };
}

function isInstruction(word: string): boolean {
  return (INSTRUCTIONS as readonly string[]).includes(word.toLowerCase());
}
