/**
 * The one client for OpenAI-compatible servers (vLLM, TGI, llama.cpp's server, another `atlas serve`),
 * shared by the upstream proxy (`atlas serve --upstream`) and eval's remote backend (`atlas eval
 * --backend`): JSON requests with the server's key, one retry policy (retry-policy.ts: 501 and
 * `x-should-retry: false` are never retried, `Retry-After` is honoured), answers and stream events
 * checked against the wire schemas (a server that answers something else is named, not trusted), and
 * failures as our errors (http-error.ts).
 */
import type { z } from "zod";
import { AtlasError, errorMessage, isAtlasError } from "../../core/index.js";
import { parseWire } from "../boundary.js";
import { serverMessageOf, WireHttpError } from "./http-error.js";
import {
  DEFAULT_RETRIES,
  requestedWaitMs,
  retryDelayMs,
  shouldRetry,
  type RetryPolicy,
} from "./retry-policy.js";
import { readSse } from "./sse.js";

/** Where the server is and how to talk to it. */
export interface OpenAIClientOptions {
  /** The base URL an OpenAI SDK would use, e.g. `http://gpu-node:8000/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` when not empty. */
  apiKey?: string | undefined;
  /** fetch (tests inject one). Default the global fetch. */
  fetch?: typeof fetch | undefined;
  retry?: RetryPolicy | undefined;
  /** How messages name the server: "the upstream", "the server at …". Default "the server". */
  label?: string | undefined;
  /** The message of a non-2xx answer. Default `${label} answered ${status}: ${message}`. */
  statusMessage?: ((status: number, serverMessage: string) => string) | undefined;
}

/** One request. */
export interface ClientRequest {
  method?: "GET" | "POST" | "DELETE";
  /** JSON body (POST). */
  body?: unknown;
  signal?: AbortSignal | undefined;
  /** Relative to the server's root (`http://host:port`) instead of the base URL: vLLM's `/tokenize`. */
  root?: boolean;
}

/** `signal.aborted` as a call (TypeScript narrows a property read across awaits, which is wrong here). */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      signal?.removeEventListener("abort", stop);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const stop = (): void => {
      clearTimeout(timer);
      reject(new AtlasError("ABORTED", "request canceled", { cause: signal?.reason }));
    };
    if (aborted(signal)) return stop();
    signal?.addEventListener("abort", stop, { once: true });
  });
}

/** The code of a network failure (ECONNREFUSED …) or its message. */
function networkReason(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    if ("code" in current && typeof current.code === "string") return current.code;
    current = "cause" in current ? current.cause : undefined;
  }
  return errorMessage(error);
}

/** Our error for a stream's `{"error": {…}}` event, by the error's OpenAI type. */
function streamError(error: unknown, label: string): AtlasError {
  const e = (typeof error === "object" && error !== null ? error : { message: String(error) }) as {
    message?: unknown;
    type?: unknown;
  };
  const message = `${label} failed mid-stream: ${typeof e.message === "string" ? e.message : JSON.stringify(error)}`;
  const type = typeof e.type === "string" ? e.type : "";
  if (type === "invalid_request_error") return new AtlasError("BAD_ARGUMENT", message);
  if (type === "not_found_error") return new AtlasError("NOT_FOUND", message);
  if (type === "server_busy_error")
    return new AtlasError("BUSY", message, { details: { retryAfterMs: 1000 } });
  if (type === "not_implemented_error") return new AtlasError("UNSUPPORTED", message);
  return new AtlasError("NETWORK", message);
}

/** A client of one OpenAI-compatible server. */
export class OpenAIClient {
  /** The base URL without a trailing slash. */
  readonly baseUrl: string;
  /** The server's root: the base URL without its `/v1`. */
  readonly rootUrl: string;
  private readonly label: string;

  constructor(private readonly options: OpenAIClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.rootUrl = this.baseUrl.replace(/\/v1$/, "");
    this.label = options.label ?? "the server";
  }

  private url(path: string, root: boolean | undefined): string {
    return `${root === true ? this.rootUrl : this.baseUrl}${path}`;
  }

  private async httpError(response: Response, url: string, attempts: number): Promise<WireHttpError> {
    const said = serverMessageOf(await response.text().catch(() => ""));
    const wait = requestedWaitMs(response.headers);
    const base =
      this.options.statusMessage?.(response.status, said) ??
      `${this.label} answered ${response.status}: ${said || response.statusText}`;
    const retried = attempts > 1 ? ` (still after ${attempts} attempts)` : "";
    const hint =
      response.status === 401 || response.status === 403
        ? "check the API key given for this server"
        : response.status === 429 || response.status === 503
          ? "the server is busy: send fewer requests at once or try again later"
          : undefined;
    return new WireHttpError(response.status, said, url, {
      message: `${base}${retried}`,
      retryAfterMs: wait ?? (response.status === 429 || response.status === 503 ? 1000 : undefined),
      hint,
    });
  }

  /**
   * Sends one request (retried by the policy); resolves to a 2xx Response.
   * @throws WireHttpError for an error answer; AtlasError NETWORK when the server cannot be reached,
   *   ABORTED when `signal` fired
   */
  async request(path: string, init: ClientRequest = {}): Promise<Response> {
    const url = this.url(path, init.root);
    const headers: Record<string, string> = { accept: "application/json" };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    if (this.options.apiKey !== undefined && this.options.apiKey !== "")
      headers.authorization = `Bearer ${this.options.apiKey}`;
    const policy = this.options.retry ?? {};
    const retries = policy.retries ?? DEFAULT_RETRIES;
    const fetcher = this.options.fetch ?? globalThis.fetch;
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    for (let attempt = 0; ; attempt++) {
      if (aborted(init.signal)) throw new AtlasError("ABORTED", "request canceled", { where: url });
      let response: Response;
      try {
        response = await fetcher(url, {
          method: init.method ?? (body === undefined ? "GET" : "POST"),
          headers,
          ...(body === undefined ? {} : { body }),
          ...(init.signal === undefined ? {} : { signal: init.signal }),
        });
      } catch (error) {
        if (aborted(init.signal))
          throw new AtlasError("ABORTED", "request canceled", { where: url, cause: error });
        if (attempt >= retries)
          throw new AtlasError(
            "NETWORK",
            `cannot reach ${this.label} at ${this.baseUrl} (${networkReason(error)})${attempt > 0 ? ` after ${attempt + 1} attempts` : ""}`,
            { hint: "check that the server runs and that its URL is right", cause: error },
          );
        await sleep(retryDelayMs(attempt, policy) ?? 0, init.signal);
        continue;
      }
      if (response.ok) return response;
      if (attempt < retries && shouldRetry(response.status, response.headers)) {
        const delay = retryDelayMs(attempt, policy, requestedWaitMs(response.headers));
        if (delay !== undefined) {
          await response.body?.cancel().catch(() => {});
          await sleep(delay, init.signal);
          continue;
        }
      }
      throw await this.httpError(response, url, attempt + 1);
    }
  }

  /**
   * A JSON request whose answer must match `schema` (loose schemas: servers add fields).
   * @throws AtlasError NETWORK naming what is wrong with an answer that does not match
   */
  async json<S extends z.ZodType>(path: string, schema: S, init: ClientRequest = {}): Promise<z.output<S>> {
    const response = await this.request(path, init);
    let parsed: unknown;
    try {
      parsed = await response.json();
    } catch (error) {
      throw new AtlasError(
        "NETWORK",
        `${this.label}'s answer to ${path} is not JSON (${errorMessage(error)})`,
        {
          where: this.url(path, init.root),
        },
      );
    }
    return this.check(parsed, schema, path);
  }

  /** `value` against `schema`, or a NETWORK error saying the answer is not an OpenAI-compatible one. */
  check<S extends z.ZodType>(value: unknown, schema: S, path: string): z.output<S> {
    try {
      return parseWire(schema, value);
    } catch (error) {
      if (!isAtlasError(error, "BAD_ARGUMENT")) throw error;
      throw new AtlasError(
        "NETWORK",
        `${this.label} sent an answer to ${path} that an OpenAI-compatible server does not send: ${error.message}`,
        { hint: "check that the URL points at an OpenAI-compatible API (…/v1)" },
      );
    }
  }

  /**
   * POSTs and yields each SSE event's JSON, checked against `schema`, until `[DONE]`. Leaving the loop
   * early cancels the request.
   * @throws AtlasError for an error event (by its OpenAI `type`), a broken stream (NETWORK), an abort
   */
  async *events<S extends z.ZodType>(
    path: string,
    body: unknown,
    schema: S,
    signal: AbortSignal,
  ): AsyncGenerator<z.output<S>> {
    const response = await this.request(path, { body, signal });
    if (response.body === null) return;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const label = this.label;
    const text = async function* (): AsyncGenerator<string> {
      while (true) {
        let next: Awaited<ReturnType<typeof reader.read>>;
        try {
          next = await reader.read();
        } catch (error) {
          if (aborted(signal)) throw new AtlasError("ABORTED", "request canceled", { cause: error });
          throw new AtlasError("NETWORK", `the stream from ${label} broke (${networkReason(error)})`, {
            cause: error,
          });
        }
        if (next.done) return;
        yield next.value;
      }
    };
    try {
      for await (const event of readSse(text())) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(event.data);
        } catch (error) {
          throw new AtlasError("NETWORK", `${label} sent a stream event that is not JSON`, { cause: error });
        }
        if (
          typeof parsed === "object" &&
          parsed !== null &&
          "error" in parsed &&
          parsed.error !== undefined &&
          parsed.error !== null
        )
          throw streamError(parsed.error, label);
        yield this.check(parsed, schema, path);
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }
}
