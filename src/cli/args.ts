/** Argument parsing on top of node:util parseArgs, with errors that point at `--help`. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { AtlasError, errorMessage } from "../core/index.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The parsed flag values for an options table `T`. */
export type ParsedValues<T extends Options> = {
  [K in keyof T]?: T[K] extends { type: "boolean" }
    ? T[K] extends { multiple: true }
      ? boolean[]
      : boolean
    : T[K] extends { multiple: true }
      ? string[]
      : string;
};

/** Parses `argv` for `command`; unknown flags or missing values become a BAD_ARGUMENT error. */
export function parseCommandArgs<T extends Options>(
  command: string,
  argv: string[],
  options: T,
): { values: ParsedValues<T>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    throw new AtlasError("BAD_ARGUMENT", errorMessage(error).replace(/\. To specify.*$/s, ""), {
      where: `atlas ${command}`,
      hint: `see \`atlas ${command} --help\``,
      cause: error,
    });
  }
}

/** Throws a BAD_ARGUMENT error for `command` with a pointer to its help. */
export function badArgument(command: string, message: string): AtlasError {
  return new AtlasError("BAD_ARGUMENT", message, {
    where: `atlas ${command}`,
    hint: `see \`atlas ${command} --help\``,
  });
}

/** Parses a positive integer flag value. */
export function parsePositiveInt(command: string, flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw badArgument(command, `--${flag} must be a positive integer, got '${raw}'`);
  return value;
}
