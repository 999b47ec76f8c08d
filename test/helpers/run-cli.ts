/** Runs `atlas …` in-process with captured streams: what a user would see, without spawning Node. */
import { PassThrough } from "node:stream";
import type { CliIO } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  env?: Record<string, string | undefined>;
  /** Text on stdin (stdin is not a TTY). */
  stdin?: string;
  signal?: AbortSignal;
  /** Pretend stdout is a terminal (for --bidi auto). */
  tty?: boolean;
  /** Pretend stderr is a terminal of this many columns (progress bars are drawn). */
  stderrColumns?: number;
}

export async function runCli(argv: string[], options: RunCliOptions = {}): Promise<CliRun> {
  const stdout = Object.assign(new PassThrough(), { isTTY: options.tty === true });
  const stderr = Object.assign(
    new PassThrough(),
    options.stderrColumns === undefined ? {} : { isTTY: true, columns: options.stderrColumns },
  );
  const stdin = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
  stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
  stdin.end(options.stdin ?? "");
  const io: CliIO = {
    stdout,
    stderr,
    stdin,
    env: options.env ?? { ATLAS_HOME: process.env["ATLAS_TEST_TMP"] },
    signal: options.signal ?? new AbortController().signal,
  };
  const code = await main(argv, io);
  return { code, stdout: out, stderr: err };
}
