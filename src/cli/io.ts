/**
 * The CLI's view of the outside world, injectable so tests can run commands in-process and read what
 * they printed.
 */
import type { Readable, Writable } from "node:stream";

export interface CliIO {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  stdin: Readable & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  /** Fires on Ctrl-C; long work passes it down as an AbortSignal. */
  signal: AbortSignal;
}

/** The real process streams. A closed pipe on stdout (`atlas … | head`) ends the process quietly. */
export function processIO(signal: AbortSignal): CliIO {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, signal };
}

/** Writes a line to stdout. */
export function println(io: CliIO, text = ""): void {
  io.stdout.write(`${text}\n`);
}

/** Writes a line to stderr. */
export function eprintln(io: CliIO, text = ""): void {
  io.stderr.write(`${text}\n`);
}

/** Prints a value as pretty JSON on stdout (for `--json`). */
export function printJson(io: CliIO, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
