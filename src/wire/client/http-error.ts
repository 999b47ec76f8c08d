/**
 * An OpenAI-compatible server's error answer as our error: the status and the server's own message are
 * kept (callers decide on them, e.g. "a 400 about echo means the server cannot score prompts"), and the
 * code follows the status so that `src/server/errors.ts` and the CLI's exit codes treat it as they treat
 * our own errors: 400/413/422 BAD_ARGUMENT, 401/403 AUTH, 404 NOT_FOUND, 429/503 BUSY (with the wait
 * the server asked for), 501 UNSUPPORTED, other failures NETWORK.
 */
import { AtlasError, type AtlasErrorCode } from "../../core/index.js";

/** The error code of an HTTP error status. */
export function codeOfStatus(status: number): AtlasErrorCode {
  if (status === 400 || status === 413 || status === 422) return "BAD_ARGUMENT";
  if (status === 401 || status === 403) return "AUTH";
  if (status === 404) return "NOT_FOUND";
  if (status === 429 || status === 503) return "BUSY";
  if (status === 501) return "UNSUPPORTED";
  return "NETWORK";
}

/** The message of an error body: `{"error": "…"}`, `{"error": {"message": "…"}}`, `{"message"}`, `{"detail"}`, or text. */
export function serverMessageOf(body: string): string {
  const text = body.trim();
  try {
    const json = JSON.parse(text) as { error?: unknown; message?: unknown; detail?: unknown };
    const error = json.error;
    if (typeof error === "string") return error;
    if (typeof error === "object" && error !== null) {
      const message = (error as { message?: unknown }).message;
      if (typeof message === "string") return message;
    }
    if (typeof json.message === "string") return json.message;
    if (typeof json.detail === "string") return json.detail;
  } catch {
    // Not JSON: the start of the text says enough.
  }
  return text.slice(0, 500);
}

/** Options of {@link WireHttpError}. */
export interface WireHttpErrorOptions {
  /** The full message (the client builds it in its own words). */
  message: string;
  retryAfterMs?: number | undefined;
  hint?: string | undefined;
}

/** A non-2xx answer of an OpenAI-compatible server. */
export class WireHttpError extends AtlasError {
  constructor(
    /** The HTTP status. */
    readonly status: number,
    /** What the server said (its error message, or the start of its body). */
    readonly serverMessage: string,
    /** The URL asked. */
    readonly url: string,
    options: WireHttpErrorOptions,
  ) {
    super(codeOfStatus(status), options.message, {
      ...(options.hint === undefined ? {} : { hint: options.hint }),
      details: {
        ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
        ...(status === 413 ? { field: "body", limit: 0 } : {}),
      },
    });
  }
}

/** Type guard for {@link WireHttpError}. */
export function isWireHttpError(value: unknown): value is WireHttpError {
  return value instanceof WireHttpError;
}
