/**
 * The upstream of `atlas serve --upstream openai:<url>` through the one OpenAI-compatible client
 * (src/wire): its key, its retry policy (short waits: a client is waiting behind us), and its errors in
 * the proxy's words — the upstream's 400 stays a 400 with its message ("upstream: …"), its 404 names
 * the model, a key it refuses is our 502 (the client's key was fine), its 429/503 are BUSY with its wait.
 */
import { AtlasError, isAtlasError } from "../../core/index.js";
import { isWireHttpError, OpenAIClient, type RetryPolicy } from "../../wire/index.js";

/** Where the upstream is and how to call it. */
export interface UpstreamOptions {
  /** Base URL of the OpenAI API, e.g. `http://gpu-node:8000/v1`. */
  baseUrl: string;
  /** Bearer key of the upstream, if it needs one. */
  apiKey?: string;
  /** Send every request to this upstream model id (whatever name the client used). */
  model?: string;
  /** Retries of failed upstream requests (before a response starts). Default 2, waits up to 5 s. */
  retry?: RetryPolicy;
  /** fetch (tests). */
  fetch?: typeof fetch;
}

/** The client of one upstream. */
export function upstreamClient(options: UpstreamOptions): OpenAIClient {
  return new OpenAIClient({
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    fetch: options.fetch,
    retry: { maxRetryAfterMs: 5_000, ...options.retry },
    label: "the upstream",
    statusMessage: (status, said) => `upstream: ${said || `status ${status}`}`,
  });
}

/** An upstream failure in the proxy's terms (see the file comment). */
export function proxyError(error: unknown, baseUrl: string): unknown {
  if (!isWireHttpError(error)) return error;
  if (error.code === "AUTH")
    return new AtlasError("NETWORK", `${error.message} (status ${error.status})`, {
      hint: "the upstream refused this server's key: set ATLAS_UPSTREAM_API_KEY",
      cause: error,
    });
  if (error.code === "NOT_FOUND")
    return new AtlasError("NOT_FOUND", error.message, { details: { field: "model" }, cause: error });
  if (error.code === "NETWORK")
    return new AtlasError("NETWORK", `${error.message} (status ${error.status})`, {
      hint: `check the upstream server at ${baseUrl} (--upstream)`,
      cause: error,
    });
  return error;
}

/** True for errors that mean "the client went away". */
export function isAbort(error: unknown): boolean {
  return isAtlasError(error, "ABORTED");
}
