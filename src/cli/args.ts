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

/**
 * Splits `argv` into the subcommand it names (one of `subs`' keys) and the rest.
 * @throws AtlasError BAD_ARGUMENT listing the subcommands when none or an unknown one is given
 */
export function pickSubcommand<T>(
  command: string,
  argv: readonly string[],
  subs: Readonly<Record<string, T>>,
): [T, string[]] {
  const [sub, ...rest] = argv;
  if (sub !== undefined && Object.hasOwn(subs, sub)) return [subs[sub]!, rest];
  const names = Object.keys(subs);
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} or ${names.at(-1)!}`;
  throw badArgument(
    command,
    sub === undefined ? `give a subcommand: ${list}` : `unknown subcommand '${sub}' (${list})`,
  );
}

/** Parses a positive integer flag value. */
export function parsePositiveInt(command: string, flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw badArgument(command, `--${flag} must be a positive integer, got '${raw}'`);
  return value;
}
