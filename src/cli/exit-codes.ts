/** Process exit codes, one per error family. Documented in docs/cli.md. */
import type { AtlasErrorCode } from "../core/index.js";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const BY_CODE: Record<AtlasErrorCode, number> = {
  BAD_ARGUMENT: EXIT_USAGE,
  NOT_FOUND: 3,
  INVALID_MODEL: 4,
  UNSUPPORTED: 5,
  IO: 6,
  NATIVE: 7,
  ABORTED: 130,
  CONTEXT_OVERFLOW: 8,
  TEMPLATE: 8,
  NETWORK: 9,
  AUTH: 10,
  CHECKSUM: 11,
  BUSY: 12,
  CAPACITY: 13,
  UNLOADED: 7,
};

/** The exit code for an AtlasError code. */
export function exitCodeFor(code: AtlasErrorCode): number {
  return BY_CODE[code];
}
