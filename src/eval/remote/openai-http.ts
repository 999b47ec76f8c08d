/**
 * POSTs JSON to an OpenAI-compatible server with retries: 429, 408 and 5xx answers and dropped
 * connections are retried with exponential backoff and jitter (honouring `Retry-After`); other failures
 * become AtlasErrors that say what the server said.
 */
import { AtlasError, errorMessage } from "../../core/index.js";
import {
  backoffDelay,
  isAborted,
  isRetryableStatus,
  networkReason,
  parseRetryAfter,
  sleep,
  type RetryOptions,
} from "../../hub/index.js";

/** Options of {@link postJson}. */
export interface PostJsonOptions {
  url: string;
  body: unknown;
  apiKey?: string | undefined;
  fetch?: typeof fetch | undefined;
  signal?: AbortSignal | undefined;
  retry?: RetryOptions | undefined;
}

/** An HTTP error answer, kept for the caller to map (e.g. a 400 about `echo`). */
export class ServerAnswerError extends AtlasError {
  constructor(
    readonly status: number,
    readonly serverMessage: string,
    url: string,
  ) {
    const code = status === 401 || status === 403 ? "AUTH" : status === 404 ? "NOT_FOUND" : "BAD_ARGUMENT";
    super(code, `the server answered ${status}: ${serverMessage}`, {
      where: url,
      ...(code === "AUTH" ? { hint: "set OPENAI_API_KEY to the server's key" } : {}),
    });
  }
}

async function messageOf(response: Response): Promise<string> {
  const text = (await response.text().catch(() => "")).trim();
  try {
    const json = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof json.error === "string") return json.error;
    if (typeof json.error?.message === "string") return json.error.message;
    if (typeof json.message === "string") return json.message;
  } catch {
    // Not JSON: the start of the text says enough.
  }
  return text.slice(0, 300) || response.statusText;
}

/** POSTs `body` as JSON and returns the parsed answer. */
export async function postJson(options: PostJsonOptions): Promise<unknown> {
  const fetcher = options.fetch ?? globalThis.fetch;
  const retries = options.retry?.retries ?? 5;
  const retry = { baseDelayMs: 500, ...options.retry };
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.apiKey !== undefined && options.apiKey !== "")
    headers["authorization"] = `Bearer ${options.apiKey}`;
  for (let attempt = 0; ; attempt++) {
    if (isAborted(options.signal))
      throw new AtlasError("ABORTED", "request cancelled", {
        where: options.url,
        cause: options.signal?.reason,
      });
    let response: Response;
    try {
      response = await fetcher(options.url, {
        method: "POST",
        headers,
        body: JSON.stringify(options.body),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (error) {
      if (isAborted(options.signal))
        throw new AtlasError("ABORTED", "request cancelled", { where: options.url, cause: error });
      if (attempt >= retries)
        throw new AtlasError(
          "NETWORK",
          `cannot reach the server (${networkReason(error)}) after ${attempt + 1} attempts`,
          {
            where: options.url,
            cause: error,
            hint: "check the --backend URL and that the server is running",
          },
        );
      await sleep(backoffDelay(attempt, retry), options.signal);
      continue;
    }
    if (isRetryableStatus(response.status)) {
      const said = await messageOf(response);
      if (attempt >= retries)
        throw new AtlasError(
          "NETWORK",
          `the server answered ${response.status} (${said}), still after ${attempt + 1} attempts`,
          {
            where: options.url,
            hint: "the server is overloaded or failing: lower --concurrency or try later",
          },
        );
      await sleep(
        backoffDelay(attempt, retry, parseRetryAfter(response.headers.get("retry-after"))),
        options.signal,
      );
      continue;
    }
    if (response.status >= 400)
      throw new ServerAnswerError(response.status, await messageOf(response), options.url);
    try {
      return await response.json();
    } catch (error) {
      throw new AtlasError("NETWORK", `the server's answer is not JSON (${errorMessage(error)})`, {
        where: options.url,
      });
    }
  }
}
