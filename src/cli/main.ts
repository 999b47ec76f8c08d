/**
 * `atlas` entry point: picks the command, runs it, turns errors into a message and an exit code.
 * Commands live one per file in ./commands and are listed in ./commands/index.ts.
 */
import { readFileSync } from "node:fs";
import { isAtlasError, errorMessage, runForcedExitCleanups } from "../core/index.js";
import { COMMANDS } from "./commands/index.js";
import { EXIT_FAILURE, EXIT_USAGE, exitCodeFor } from "./exit-codes.js";
import { eprintln, processIO, println, type CliIO } from "./io.js";

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "atlas — get, run, serve and evaluate the Atlas-Chat Darija models",
    "",
    "Usage: atlas <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Run `atlas <command> --help` for a command's options and examples.",
  ].join("\n");
}

/**
 * Runs the CLI with `argv` (without `node` and the script). Resolves to the exit code.
 * @param io streams and signal; defaults to the process's, with Ctrl-C wired to the signal
 */
export async function main(argv: string[], io?: CliIO): Promise<number> {
  let cleanup = (): void => {};
  if (io === undefined) {
    const controller = new AbortController();
    let interrupts = 0;
    const onSigint = (): void => {
      interrupts++;
      // First Ctrl-C asks the work to stop cleanly (partial files removed, downloads resumable);
      // a second one exits at once.
      if (interrupts > 1) {
        runForcedExitCleanups();
        process.exit(130);
      }
      controller.abort(new Error("interrupted (Ctrl-C)"));
    };
    process.on("SIGINT", onSigint);
    cleanup = () => process.off("SIGINT", onSigint);
    io = processIO(controller.signal);
  }
  try {
    return await dispatch(argv, io);
  } finally {
    cleanup();
  }
}

async function dispatch(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? rest[0] : undefined;
    const command = topic === undefined ? undefined : COMMANDS.find((c) => c.name === topic);
    println(io, command?.help ?? overview());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === "--version" || name === "-v") {
    println(io, version());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    eprintln(io, `error: unknown command '${name}'`);
    eprintln(io);
    eprintln(io, overview());
    return EXIT_USAGE;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    println(io, command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (isAtlasError(error)) {
      eprintln(io, `error: ${error.message}`);
      if (io.env["ATLAS_DEBUG"] !== undefined && error.cause !== undefined)
        eprintln(io, errorMessage(error.cause));
      return exitCodeFor(error.code);
    }
    eprintln(io, `internal error: ${errorMessage(error)}`);
    if (error instanceof Error && error.stack !== undefined) eprintln(io, error.stack);
    eprintln(io, "this is a bug in atlas: please report it with the command you ran");
    return EXIT_FAILURE;
  }
}
