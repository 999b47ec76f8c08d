/**
 * `atlas` entry point: picks the command, runs it, turns errors into a message and an exit code.
 * Commands live one per file in ./commands and are listed in ./commands/index.ts.
 */
import { readFileSync } from "node:fs";
import { ioError, isAtlasError, errorMessage, runForcedExitCleanups } from "../core/index.js";
import { COMMANDS } from "./commands/index.js";
import { EXIT_FAILURE, EXIT_USAGE, exitCodeFor } from "./exit-codes.js";
import { eprintln, guardOutputs, processIO, println, type CliIO } from "./io.js";

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

/** Signals that stop the work cleanly, like Ctrl-C; a second one of any of them exits at once. */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
type StopSignal = (typeof STOP_SIGNALS)[number];
const SIGNAL_EXIT: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * Wires SIGINT, SIGTERM and SIGHUP to `controller`: the first asks the work to stop cleanly (partial
 * files removed, downloads resumable); a second one removes what is registered for a forced exit and
 * lets the signal kill the process. Dying by the signal itself, rather than `process.exit`, never waits
 * for llama.cpp's worker threads, which may be waiting for the main thread.
 */
function handleStopSignals(controller: AbortController): {
  received: () => StopSignal | undefined;
  off: () => void;
} {
  let received: StopSignal | undefined;
  const handlers = STOP_SIGNALS.map((signal) => {
    const handler = (): void => {
      if (received !== undefined) {
        runForcedExitCleanups();
        for (const [name, h] of handlers) process.off(name, h);
        process.kill(process.pid, signal);
        return;
      }
      received = signal;
      controller.abort(new Error(signal === "SIGINT" ? "interrupted (Ctrl-C)" : `stopped by ${signal}`));
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return {
    received: () => received,
    off: () => {
      for (const [name, h] of handlers) process.off(name, h);
    },
  };
}

/** The exit code and message when stdout failed: quiet 0 when the reader left (EPIPE), else IO. */
function stdoutFailure(io: CliIO, error: NodeJS.ErrnoException): number {
  if (error.code === "EPIPE") return 0;
  const failure = ioError("cannot write the output", "stdout", error);
  eprintln(io, `error: ${failure.message}`);
  return exitCodeFor(failure.code);
}

/**
 * Runs the CLI with `argv` (without `node` and the script). Resolves to the exit code.
 * @param io streams and signal; defaults to the process's, with Ctrl-C, SIGTERM and SIGHUP wired to the signal
 */
export async function main(argv: string[], io?: CliIO): Promise<number> {
  const stopOnOutput = new AbortController();
  let signals: ReturnType<typeof handleStopSignals> | undefined;
  let base = io;
  if (base === undefined) {
    const controller = new AbortController();
    signals = handleStopSignals(controller);
    base = processIO(controller.signal);
  }
  const guard = guardOutputs(base, (error) => stopOnOutput.abort(error));
  const run: CliIO = { ...base, signal: AbortSignal.any([base.signal, stopOnOutput.signal]) };
  try {
    const code = await dispatch(argv, run, () => guard.stdoutError !== undefined);
    await guard.settle();
    if (guard.stdoutError !== undefined) return stdoutFailure(run, guard.stdoutError);
    const signal = signals?.received();
    return signal !== undefined && code === SIGNAL_EXIT.SIGINT ? SIGNAL_EXIT[signal] : code;
  } finally {
    signals?.off();
    // The process's own streams keep their listeners: a write still queued may fail after this.
    if (io !== undefined) guard.dispose();
  }
}

async function dispatch(argv: string[], io: CliIO, outputFailed: () => boolean): Promise<number> {
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
    // The work stopped because stdout failed: main() reports that instead.
    if (outputFailed()) return EXIT_FAILURE;
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
