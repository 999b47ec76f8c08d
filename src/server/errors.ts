/**
 * The only place where errors become HTTP statuses and bodies. Everything below the routes throws
 * `AtlasError` with a code and structured details; this file turns them into Ollama's `{"error": "…"}` or
 * OpenAI's `{"error": {message, type, param, code}}`, filling `param`, `code` and `Retry-After` from the
 * details — never from the message text.
 */
import { AtlasError, errorMessage, isAtlasError, type AtlasErrorCode } from "../core/index.js";

/** HTTP status of each error code. */
const STATUS: Record<AtlasErrorCode, number> = {
  BAD_ARGUMENT: 400,
  TEMPLATE: 400,
  CONTEXT_OVERFLOW: 400,
  AUTH: 401,
  NOT_FOUND: 404,
  // The client went away (Ollama's status for a cancelled request); nobody reads the body.
  ABORTED: 499,
  INVALID_MODEL: 500,
  IO: 500,
  NATIVE: 500,
  CHECKSUM: 502,
  NETWORK: 502,
  UNSUPPORTED: 501,
  BUSY: 503,
  CAPACITY: 503,
  UNLOADED: 503,
};

/** OpenAI's `error.code` for the codes that have a well-known one; others use the code in lower case. */
const OPENAI_CODES: Partial<Record<AtlasErrorCode, string>> = {
  NOT_FOUND: "model_not_found",
  CONTEXT_OVERFLOW: "context_length_exceeded",
  BAD_ARGUMENT: "invalid_value",
  AUTH: "invalid_api_key",
  BUSY: "server_busy",
};

/** A response about to be sent: status, JSON body and extra headers. */
export interface ErrorReply {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** The wire dialect of a route: its error body shape, and its names for the contract's fields. */
export interface ErrorDialect {
  kind: "ollama" | "openai";
  /** Contract field → wire name (`maxTokens` → `max_tokens`), for OpenAI's `param`. */
  names?: Readonly<Record<string, string>>;
}

/** Any thrown value as an AtlasError (unknown errors are internal: 500, message kept). */
export function asAtlasError(error: unknown): AtlasError {
  if (isAtlasError(error)) return error;
  return new AtlasError("NATIVE", `internal error: ${errorMessage(error)}`, { cause: error });
}

/**
 * The HTTP status for an error. Two refinements by details: a body over the size limit (field `body`
 * with a limit) is 413; a refused browser origin or Host header (AUTH on field `origin`/`host`) is 403.
 */
export function statusOf(error: AtlasError): number {
  const field = error.details.field;
  if (error.code === "BAD_ARGUMENT" && field === "body" && error.details.limit !== undefined) return 413;
  if (error.code === "AUTH" && (field === "origin" || field === "host")) return 403;
  return STATUS[error.code];
}

function headersOf(error: AtlasError, status: number): Record<string, string> {
  const headers: Record<string, string> = {};
  if (status === 503) {
    const ms = error.details.retryAfterMs ?? 1000;
    headers["retry-after"] = String(Math.max(1, Math.ceil(ms / 1000)));
    headers["retry-after-ms"] = String(Math.max(1, Math.round(ms)));
  }
  if (status === 401) headers["www-authenticate"] = 'Bearer realm="atlas"';
  // openai-node retries every status ≥ 500 unless told not to: a missing feature stays missing.
  if (status === 501) headers["x-should-retry"] = "false";
  return headers;
}

function openaiType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status < 500) return "invalid_request_error";
  if (status === 501) return "not_implemented_error";
  if (status === 503) return "server_busy_error";
  return "api_error";
}

/** The error body of a dialect (also used for the final line / event of a stream that failed). */
export function errorBody(error: AtlasError, dialect: ErrorDialect): unknown {
  if (dialect.kind === "ollama") return { error: error.message };
  const field = error.details.field;
  // The leading name is the contract's (`maxTokens`, `messages[2].role`): say it in the wire's words.
  const param =
    field === undefined ? null : field.replace(/^[A-Za-z_]+/, (head) => dialect.names?.[head] ?? head);
  return {
    error: {
      message: error.message,
      type: openaiType(statusOf(error)),
      param,
      code: OPENAI_CODES[error.code] ?? error.code.toLowerCase(),
    },
  };
}

/** Status, body and headers for an error thrown before a response started. */
export function errorReply(thrown: unknown, dialect: ErrorDialect): ErrorReply {
  const error = asAtlasError(thrown);
  const status = statusOf(error);
  return { status, body: errorBody(error, dialect), headers: headersOf(error, status) };
}

/** A JSON Response for an error. */
export function errorResponse(thrown: unknown, dialect: ErrorDialect): Response {
  const reply = errorReply(thrown, dialect);
  return Response.json(reply.body, { status: reply.status, headers: reply.headers });
}

/** 405 for a known path asked with a method it does not serve (Ollama answers 405 too). */
export function methodNotAllowed(method: string, path: string, allowed: readonly string[]): Response {
  return Response.json(
    { error: `${method} is not allowed on ${path}; use ${allowed.join(" or ")}` },
    { status: 405, headers: { allow: allowed.join(", ") } },
  );
}

/** 404 for a path the server does not have. */
export function unknownRoute(method: string, path: string): Response {
  return Response.json({ error: `no route ${method} ${path}` }, { status: 404 });
}
