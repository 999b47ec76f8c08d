/** What every CLI command file exports: one `CliCommand`. */
import type { CliIO } from "./io.js";

export interface CliCommand {
  /** The word after `atlas`. */
  name: string;
  /** One line for `atlas --help`. */
  summary: string;
  /** Full `--help` text: usage, options, examples. */
  help: string;
  /** Runs the command; resolves to the process exit code. Throwing an AtlasError is fine: main() prints it. */
  run(argv: string[], io: CliIO): Promise<number>;
}
