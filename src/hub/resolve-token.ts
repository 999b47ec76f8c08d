/** Where the hub token comes from: `--token`, then `HF_TOKEN`, then the file `$HF_HOME/token` (as Python). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { hfHome } from "../config/index.js";

/** Options of {@link resolveToken}. */
export interface ResolveTokenOptions {
  /** An explicit token (`--token`); wins over everything else. */
  token?: string | undefined;
  /** Environment to read; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The hub access token to send, or `undefined` when none is configured.
 * Reads `$HF_HOME/token` (written by `huggingface-cli login`) so a Python login works here too.
 */
export function resolveToken(options: ResolveTokenOptions = {}): string | undefined {
  const env = options.env ?? process.env;
  const explicit = options.token?.trim();
  if (explicit !== undefined && explicit !== "") return explicit;
  const fromEnv = env["HF_TOKEN"]?.trim();
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  try {
    const fromFile = readFileSync(join(hfHome(env), "token"), "utf8").trim();
    return fromFile === "" ? undefined : fromFile;
  } catch {
    // No token file is the normal case for public models.
    return undefined;
  }
}
