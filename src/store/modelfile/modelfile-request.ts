/**
 * A parsed Modelfile → the request `createModel` takes, as `ollama create` builds its `/api/create` body
 * client-side (parser.go `CreateRequest`): FROM and ADAPTER paths are read relative to the Modelfile's
 * folder (`~` is the home folder); a FROM that names no existing file is a model name; the last TEMPLATE
 * and SYSTEM win; LICENSE lines add up; MESSAGE lines become the history; `stop` parameters add up, any
 * other parameter's last value wins; deprecated parameters are ignored with a warning.
 *
 * Where atlas differs from Ollama it says so: several ADAPTER lines are all applied (Ollama keeps the
 * last); a second FROM, RENDERER, PARSER and DRAFT are refused.
 */
import { stat } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { AtlasError } from "../../core/index.js";
import type { ChatMessage } from "../../core/index.js";
import type { AdapterSource, CreateModelRequest, CreateSource } from "../created/create-types.js";
import { parseModelName } from "../created/model-name.js";
import type { Modelfile, ModelfileCommand } from "./parse-modelfile.js";
import { checkTemplate } from "../created/check-create-request.js";
import { modelParameterOptions, parseParameterText, type ModelParameters } from "./model-parameters.js";

/** Options of {@link modelfileToRequest}. */
export interface ModelfileToRequestOptions {
  /** The folder relative paths are read from: the Modelfile's own. */
  dir: string;
  /** The Modelfile, for messages. */
  where?: string | undefined;
  onWarning?: ((message: string) => void) | undefined;
}

/** Ollama's `expandPath`: absolute as is, `~` and `~/…` under the home folder, the rest under `dir`. */
export function expandModelfilePath(text: string, dir: string, at?: string): string {
  if (isAbsolute(text) || text.startsWith("/") || text.startsWith("\\")) return resolve(text);
  if (text === "~" || text.startsWith("~/")) return resolve(join(homedir(), text.slice(1)));
  if (text.startsWith("~"))
    throw new AtlasError(
      "BAD_ARGUMENT",
      `'${text}': paths in another user's home (~user) are not supported`,
      {
        ...(at === undefined ? {} : { where: at }),
        hint: "write the full path",
      },
    );
  return resolve(dir, text);
}

/** `error` (an AtlasError) said again with the Modelfile line it is about. */
function atLine(error: unknown, where: string | undefined, line: string): unknown {
  if (!(error instanceof AtlasError)) return error;
  let message = error.message;
  if (error.where !== undefined && message.startsWith(`${error.where}: `))
    message = message.slice(error.where.length + 2);
  if (error.hint !== undefined && message.endsWith(` — ${error.hint}`))
    message = message.slice(0, -(error.hint.length + 3));
  return new AtlasError(error.code, `${line}: ${message}`, {
    ...(where === undefined ? {} : { where }),
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    details: error.details,
    cause: error,
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

const UNSUPPORTED: Record<string, string> = {
  renderer:
    "RENDERER selects one of Ollama's built-in Go renderers; atlas renders the model's own chat template (or a Gemma TEMPLATE)",
  parser:
    "PARSER selects one of Ollama's built-in output parsers (thinking, tool calls); atlas has none for Gemma-2",
  draft: "DRAFT adds a draft model for speculative decoding, which atlas does not do",
};

/**
 * Builds the request (`name` left empty: the caller sets it).
 * @throws AtlasError BAD_ARGUMENT (a parameter, a second FROM, an unsupported instruction), NOT_FOUND (a
 *   FROM path or ADAPTER that does not exist), each naming the Modelfile line
 */
export async function modelfileToRequest(
  modelfile: Modelfile,
  options: ModelfileToRequestOptions,
): Promise<Omit<CreateModelRequest, "name">> {
  let from: CreateSource | undefined;
  const adapters: AdapterSource[] = [];
  const parameters: ModelParameters = {};
  const messages: ChatMessage[] = [];
  const license: string[] = [];
  let template: string | undefined;
  let system: string | undefined;
  let requires: string | undefined;
  const at = (c: ModelfileCommand): string | undefined =>
    options.where === undefined ? undefined : `${options.where}:${c.line}`;
  const line = (c: ModelfileCommand): string => `Modelfile line ${c.line}`;

  for (const command of modelfile.commands) {
    const where = at(command);
    switch (command.name) {
      case "model": {
        if (from !== undefined)
          throw new AtlasError("BAD_ARGUMENT", `${line(command)}: a second FROM`, {
            ...(where === undefined ? {} : { where }),
            hint: "keep one FROM line: atlas makes a model from one base (Ollama's extra FROMs add vision projectors)",
          });
        const path = expandModelfilePath(command.args, options.dir, where);
        if (await exists(path)) from = { kind: "path", path };
        else if (parseModelName(command.args) !== undefined) from = { kind: "model", name: command.args };
        else
          throw new AtlasError(
            "NOT_FOUND",
            `${line(command)}: FROM ${command.args}: no such file or folder`,
            {
              where: path,
              hint: "fix the path (a relative FROM is read from the Modelfile's folder), or give a model name (see `atlas list`)",
            },
          );
        break;
      }
      case "adapter": {
        const path = expandModelfilePath(command.args, options.dir, where);
        if (!(await exists(path)))
          throw new AtlasError(
            "NOT_FOUND",
            `${line(command)}: ADAPTER ${command.args}: no such file or folder`,
            {
              where: path,
              hint: "fix the path (a relative ADAPTER is read from the Modelfile's folder)",
            },
          );
        adapters.push({ kind: "path", path });
        break;
      }
      case "template":
        try {
          // Checked here for the line number; createModel checks it again and gives its warnings.
          if (command.args !== "") checkTemplate(command.args);
        } catch (error) {
          throw atLine(error, where, line(command));
        }
        template = command.args;
        break;
      case "system":
        system = command.args;
        break;
      case "license":
        license.push(command.args);
        break;
      case "requires":
        requires = command.args;
        break;
      case "message": {
        const cut = command.args.indexOf(": ");
        const role = (cut < 0 ? command.args : command.args.slice(0, cut)) as ChatMessage["role"];
        messages.push({ role, content: cut < 0 ? "" : command.args.slice(cut + 2) });
        break;
      }
      case "renderer":
      case "parser":
      case "draft":
        throw new AtlasError(
          "UNSUPPORTED",
          `${line(command)}: ${command.name.toUpperCase()} is not supported`,
          {
            ...(where === undefined ? {} : { where }),
            hint: `${UNSUPPORTED[command.name]!}; remove the line`,
          },
        );
      default: {
        const value = parseParameterText(command.name, command.args, {
          where: where ?? line(command),
          onWarning: options.onWarning,
        });
        if (value === undefined) break;
        try {
          modelParameterOptions({ [command.name]: value });
        } catch (error) {
          throw atLine(error, where, line(command));
        }
        const previous = parameters[command.name];
        parameters[command.name] =
          Array.isArray(previous) && Array.isArray(value) ? [...previous, ...value] : value;
      }
    }
  }
  if (from === undefined) throw new AtlasError("BAD_ARGUMENT", "the Modelfile has no FROM line");
  return {
    from,
    ...(adapters.length === 0 ? {} : { adapters }),
    ...(template === undefined ? {} : { template }),
    ...(system === undefined ? {} : { system }),
    ...(Object.keys(parameters).length === 0 ? {} : { parameters }),
    ...(messages.length === 0 ? {} : { messages }),
    ...(license.length === 0 ? {} : { license }),
    ...(requires === undefined ? {} : { requires }),
  };
}
