/**
 * Talking to an OpenAI-compatible server (vLLM, TGI, llama.cpp's server, another `atlas serve`): JSON
 * requests with the upstream's key, Server-Sent Events read line by line, and the upstream's failures
 * turned into our error codes (its 400 stays a 400 with its message; an unreachable or failing upstream
 * is 502; its 429/503 become BUSY with its Retry-After).
 */
import { AtlasError, errorMessage, isAtlasError } from "../../core/index.js";

/** Where the upstream is and how to call it. */
export interface UpstreamOptions {
  /** Base URL of the OpenAI API, e.g. `http://gpu-node:8000/v1`. */
  baseUrl: string;
  /** Bearer key of the upstream, if it needs one. */
  apiKey?: string;
  /** Send every request to this upstream model id (whatever name the client used). */
  model?: string;
  /** fetch (tests). */
  fetch?: typeof fetch;
}

function upstreamMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown; detail?: unknown };
    const error = parsed.error;
    if (typeof error === "string") return error;
    if (
      typeof error === "object" &&
      error !== null &&
      typeof (error as { message?: unknown }).message === "string"
    )
      return (error as { message: string }).message;
    if (typeof parsed.message === "string") return parsed.message;
    if (typeof parsed.detail === "string") return parsed.detail;
  } catch {
    // not JSON: use the text
  }
  return body.slice(0, 500);
}

/** Our error for an upstream answer with a non-2xx status. */
export function upstreamError(status: number, body: string, retryAfter: string | null): AtlasError {
  const message = `upstream: ${upstreamMessage(body)}`;
  if (status === 400 || status === 422) return new AtlasError("BAD_ARGUMENT", message);
  if (status === 404) return new AtlasError("NOT_FOUND", message, { details: { field: "model" } });
  if (status === 413)
    return new AtlasError("BAD_ARGUMENT", message, { details: { field: "body", limit: 0 } });
  if (status === 429 || status === 503) {
    const seconds = Number(retryAfter);
    return new AtlasError("BUSY", message, {
      details: { retryAfterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000 },
    });
  }
  if (status === 501) return new AtlasError("UNSUPPORTED", message);
  return new AtlasError("NETWORK", `${message} (status ${status})`, {
    hint: "check the upstream server (--upstream)",
  });
}

/** A small client for one upstream. */
export class UpstreamClient {
  private readonly base: string;

  constructor(private readonly options: UpstreamOptions) {
    this.base = options.baseUrl.replace(/\/+$/, "");
  }

  get baseUrl(): string {
    return this.base;
  }

  /** Sends a request; resolves to a 2xx Response or throws our error. */
  async request(
    path: string,
    init: { method?: string; body?: unknown; signal?: AbortSignal },
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    if (this.options.apiKey !== undefined) headers.authorization = `Bearer ${this.options.apiKey}`;
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(`${this.base}${path}`, {
        method: init.method ?? (init.body === undefined ? "GET" : "POST"),
        headers,
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        ...(init.signal === undefined ? {} : { signal: init.signal }),
      });
    } catch (error) {
      if (init.signal?.aborted === true)
        throw new AtlasError("ABORTED", "request canceled", { cause: error });
      throw new AtlasError("NETWORK", `cannot reach the upstream at ${this.base} (${errorMessage(error)})`, {
        hint: "check that the upstream server runs and --upstream is right",
        cause: error,
      });
    }
    if (!response.ok)
      throw upstreamError(response.status, await response.text(), response.headers.get("retry-after"));
    return response;
  }

  /** GET/POST returning JSON. */
  async json<T>(path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await this.request(path, { body, ...(signal === undefined ? {} : { signal }) });
    return (await response.json()) as T;
  }

  /** POSTs and yields the JSON of each SSE `data:` event until `[DONE]`. */
  async *events(path: string, body: unknown, signal: AbortSignal): AsyncGenerator<Record<string, unknown>> {
    const response = await this.request(path, { body, signal });
    if (response.body === null) return;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let data: string[] = [];
    try {
      while (true) {
        let next: Awaited<ReturnType<typeof reader.read>>;
        try {
          next = await reader.read();
        } catch (error) {
          if (signal.aborted) throw new AtlasError("ABORTED", "request canceled", { cause: error });
          throw new AtlasError("NETWORK", `the upstream stream broke (${errorMessage(error)})`, {
            cause: error,
          });
        }
        if (next.done) return;
        buffer += next.value;
        let newline: number;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, newline).replace(/\r$/, "");
          buffer = buffer.slice(newline + 1);
          if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
          else if (line === "" && data.length > 0) {
            const payload = data.join("\n");
            data = [];
            if (payload === "[DONE]") return;
            let parsed: Record<string, unknown>;
            try {
              parsed = JSON.parse(payload) as Record<string, unknown>;
            } catch (error) {
              throw new AtlasError("NETWORK", "the upstream sent an event that is not JSON", {
                cause: error,
              });
            }
            if (parsed.error !== undefined)
              throw upstreamError(500, JSON.stringify({ error: parsed.error }), null);
            yield parsed;
          }
        }
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }
}

/** True for errors that mean "the client went away". */
export function isAbort(error: unknown): boolean {
  return isAtlasError(error, "ABORTED");
}
