/**
 * The one error type of atlas-chat. Every failure the user can act on is an `AtlasError` with a closed
 * `code`, a message that says what went wrong, where, and what to do next, and the original `cause`.
 * `src/server/errors.ts` is the only place that maps codes to HTTP statuses; the CLI maps them to exit codes.
 */

/** Closed set of error codes. Add new codes here (and to the HTTP/exit-code maps) rather than inventing strings. */
export const ATLAS_ERROR_CODES = [
  "BAD_ARGUMENT", // wrong CLI flag / API option
  "NOT_FOUND", // a file, model or revision that does not exist
  "INVALID_MODEL", // a model file (safetensors, GGUF, tokenizer) that is malformed or lies
  "UNSUPPORTED", // valid input we do not handle (architecture, dtype, quant type, platform)
  "IO", // reading or writing failed (permissions, disk full)
  "NATIVE", // the llama.cpp library failed or is missing
  "ABORTED", // the user cancelled
  "CONTEXT_OVERFLOW", // prompt longer than the context window
  "TEMPLATE", // chat template rendering failed (e.g. roles do not alternate)
  "NETWORK", // a remote server could not be reached or kept failing
  "AUTH", // 401/403: token missing or license not accepted
  "CHECKSUM", // a downloaded file does not match its hash
  "BUSY", // a lock is held by another process, or the request queue is full (retry later)
  "CAPACITY", // the engine ran out of room at run time (KV cache full): not the request's fault, not a crash
  "UNLOADED", // the model was disposed/unloaded: load it again
] as const;

export type AtlasErrorCode = (typeof ATLAS_ERROR_CODES)[number];

/**
 * Machine-readable facts about an error, so callers (the HTTP server, the CLI) never parse messages.
 * Every field is optional; each error fills the ones that apply.
 */
export interface AtlasErrorDetails {
  /**
   * The request field at fault, in the request contract's own names and paths (`temperature`,
   * `messages[2].role`, `continuations[1]`). Mappers translate it to their own names (`--max-tokens`,
   * OpenAI's `max_tokens`).
   */
  field?: string;
  /** A limit that was exceeded: the context size, the queue length, a size cap. */
  limit?: number;
  /** The value that exceeded `limit` (e.g. prompt tokens). */
  actual?: number;
  /** BUSY: a suggested wait before retrying, in milliseconds. */
  retryAfterMs?: number;
  /** BUSY: requests waiting for a slot when this one was refused. */
  queued?: number;
}

/** Options of {@link AtlasError}. */
export interface AtlasErrorOptions {
  /** The underlying error, kept for debugging (`--verbose` prints it). */
  cause?: unknown;
  /** The file, URL or field the error is about, when there is one. */
  where?: string;
  /** What the user can do next, one sentence. Appended to the message. */
  hint?: string;
  /** Structured facts (field, limits, retry hint). */
  details?: AtlasErrorDetails;
}

/**
 * @example
 * throw new AtlasError("INVALID_MODEL", "tensor 'x' ends past the end of the file", {
 *   where: "/models/m/model.safetensors",
 *   hint: "the download is probably truncated: run `atlas pull` again",
 * });
 */
export class AtlasError extends Error {
  override readonly name = "AtlasError";
  readonly code: AtlasErrorCode;
  readonly where: string | undefined;
  readonly hint: string | undefined;
  readonly details: AtlasErrorDetails;

  constructor(code: AtlasErrorCode, message: string, options: AtlasErrorOptions = {}) {
    const where = options.where === undefined ? "" : `${options.where}: `;
    const hint = options.hint === undefined ? "" : ` — ${options.hint}`;
    super(`${where}${message}${hint}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.where = options.where;
    this.hint = options.hint;
    this.details = { ...options.details };
  }

  /** The request field at fault (`details.field`), if any. */
  get field(): string | undefined {
    return this.details.field;
  }
}

/** Type guard; with `code`, also checks the code. */
export function isAtlasError(value: unknown, code?: AtlasErrorCode): value is AtlasError {
  return value instanceof AtlasError && (code === undefined || value.code === code);
}

/** Turns any thrown value into a message (for logs and CLI output). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Node's fs errors carry a `code` such as ENOENT; this reads it without `any`. */
export function systemErrorCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = error.code;
    return typeof code === "string" ? code : undefined;
  }
  return undefined;
}

/**
 * Wraps a file-system error into an AtlasError naming the path and the likely fix.
 * @param action what we were doing, e.g. "cannot write"
 */
export function ioError(action: string, path: string, error: unknown): AtlasError {
  const sys = systemErrorCode(error);
  const hints: Record<string, string> = {
    ENOENT: "check that the path exists",
    EACCES: "check the permissions of the file and its folder",
    EPERM: "check the permissions of the file and its folder",
    ENOSPC: "no space left on the device: free some space and try again",
    EROFS: "the file system is read-only: choose another output path",
    EISDIR: "a folder is in the way: give a file path",
    ENOTDIR: "a file is in the way where a folder is expected",
  };
  const hint = sys === undefined ? undefined : hints[sys];
  const code = sys === "ENOENT" ? "NOT_FOUND" : "IO";
  return new AtlasError(code, `${action} (${sys ?? errorMessage(error)})`, {
    where: path,
    cause: error,
    ...(hint === undefined ? {} : { hint }),
  });
}
