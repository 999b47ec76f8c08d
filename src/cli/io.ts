/**
 * The CLI's view of the outside world, injectable so tests can run commands in-process and read what
 * they printed.
 *
 * Writing never kills the work: a failed write to stderr (full disk, closed pipe) is dropped, and a
 * failed write to stdout stops the command through its signal and ends it with one line and the IO
 * exit code (or quietly with 0 when the reader went away, as `atlas … | head` does). Without these
 * listeners Node turns a stream's 'error' into an uncaught exception, whose exit path waits for the
 * worker threads — one of which may be waiting for the main thread inside llama.cpp: a hang.
 */
import type { Readable, Writable } from "node:stream";

export interface CliIO {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  stdin: Readable & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  /** Fires on Ctrl-C (SIGTERM, SIGHUP) or when stdout fails; long work passes it down as an AbortSignal. */
  signal: AbortSignal;
}

/** The real process streams. */
export function processIO(signal: AbortSignal): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, signal };
}

/** Diagnostics queued beyond this (a stderr pipe nobody reads) are dropped rather than held in memory. */
const MAX_PENDING_DIAGNOSTICS = 1 << 20;

/** Writes `text` to a diagnostics stream (stderr) if it can take it; never throws. */
export function writeDiagnostic(stream: Writable, text: string): void {
  if (stream.destroyed || stream.writableLength > MAX_PENDING_DIAGNOSTICS) return;
  try {
    stream.write(text);
  } catch {
    // A diagnostic that cannot be written is not worth stopping the work for.
  }
}

/** Writes a line to stdout. */
export function println(io: CliIO, text = ""): void {
  io.stdout.write(`${text}\n`);
}

/** Writes a line to stderr (dropped if stderr cannot take it). */
export function eprintln(io: CliIO, text = ""): void {
  writeDiagnostic(io.stderr, `${text}\n`);
}

/** Prints a value as pretty JSON on stdout (for `--json`). */
export function printJson(io: CliIO, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** What {@link guardOutputs} watches. */
export interface OutputGuard {
  /** The first error writing to stdout, if there was one. */
  readonly stdoutError: NodeJS.ErrnoException | undefined;
  /** Waits until what was written to stdout is written (or failed). */
  settle(): Promise<void>;
  /** Removes the listeners. */
  dispose(): void;
}

/**
 * Listens for write errors on `io`'s stdout and stderr. The first stdout error calls `onStdoutError`
 * (which stops the work); stderr errors are ignored.
 */
export function guardOutputs(io: CliIO, onStdoutError: (error: NodeJS.ErrnoException) => void): OutputGuard {
  let stdoutError: NodeJS.ErrnoException | undefined;
  const onStdout = (error: NodeJS.ErrnoException): void => {
    if (stdoutError !== undefined) return;
    stdoutError = error;
    onStdoutError(error);
  };
  const onStderr = (): void => {};
  io.stdout.on("error", onStdout);
  io.stderr.on("error", onStderr);
  return {
    get stdoutError() {
      return stdoutError;
    },
    async settle() {
      // Errors of writes already made arrive as events on a later tick (files) or once the pipe
      // refuses them: wait for those, then for the queue to drain.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const stdout = io.stdout;
      if (stdoutError !== undefined || stdout.destroyed || stdout.writableLength === 0) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          stdout.off("drain", done).off("error", done).off("close", done);
          resolve();
        };
        stdout.on("drain", done).on("error", done).on("close", done);
      });
    },
    dispose() {
      io.stdout.off("error", onStdout);
      io.stderr.off("error", onStderr);
    },
  };
}
