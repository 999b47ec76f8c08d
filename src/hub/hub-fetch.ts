/**
 * A `fetch` for hub requests: adds the token (only for the hub's own origin, never for the CDN a file
 * redirects to), retries 429/5xx and dropped connections with backoff, and turns every other failed
 * status into an AtlasError. We hand it to @huggingface/hub too, so its calls get the same treatment
 * and we never need its `accessToken` parameter (which rejects tokens not starting with `hf_`).
 */
import { AtlasError, errorMessage } from "../core/index.js";
import {
  abortedError,
  backoffDelay,
  isAborted,
  isRetryableStatus,
  parseRetryAfter,
  sleep,
} from "./backoff.js";
import type { RetryOptions } from "./backoff.js";
import { hubHttpError, type HubRequestContext } from "./hub-error.js";

/** One retry about to happen (for logs and progress lines). */
export interface RetryEvent {
  url: string;
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  /** "503", "429", "ECONNRESET" … */
  reason: string;
}

/**
 * The fields every hub call takes. Each call's options extend this instead of restating them, so a
 * field is documented (and defaulted) once.
 */
export interface HubRequestOptions {
  /** Hub URL (default `$HF_ENDPOINT`, else https://huggingface.co). */
  endpoint?: string | undefined;
  /** Access token (default `$HF_TOKEN`, else `$HF_HOME/token`); sent only to the hub's own origin. */
  token?: string | undefined;
  /** The underlying fetch (default `globalThis.fetch`); tests inject one. */
  fetch?: typeof fetch | undefined;
  signal?: AbortSignal | undefined;
  /** How often and how patiently 429/5xx answers and dropped connections are retried. */
  retry?: RetryOptions | undefined;
  /** Called before each retry (for logs and progress). */
  onRetry?: ((event: RetryEvent) => void) | undefined;
}

/** Options of {@link createHubFetch}. */
export interface HubFetchOptions extends Omit<HubRequestOptions, "endpoint"> {
  /** Endpoint, repo, revision … for error messages; `endpoint` also decides where the token goes. */
  context: HubRequestContext;
}

function requestUrl(input: string | URL | Request): string {
  if (typeof input === "string") return input;
  return input instanceof URL ? input.href : input.url;
}

function origin(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** `fetch failed` hides the reason in `cause`; dig out ECONNREFUSED & co. */
export function networkReason(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    if (typeof current === "object" && "code" in current && typeof current.code === "string")
      return current.code;
    current = typeof current === "object" && "cause" in current ? current.cause : undefined;
  }
  return errorMessage(error);
}

async function failureMessage(response: Response): Promise<string | null> {
  const header = response.headers.get("x-error-message");
  if (header !== null) {
    await response.body?.cancel();
    return header;
  }
  const text = (await response.text().catch(() => "")).trim();
  if (text === "") return null;
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === "object" && json !== null && "error" in json && typeof json.error === "string")
      return json.error;
  } catch {
    // Not JSON: show the start of the text.
  }
  return text.slice(0, 200);
}

/**
 * Builds the `fetch` used for every hub request of one operation.
 * @example
 * const hubFetch = createHubFetch({ context: { endpoint, repo, hasToken: true }, token });
 * const response = await hubFetch(`${endpoint}/api/models/${repo}`);
 */
export function createHubFetch(options: HubFetchOptions): typeof fetch {
  const baseFetch = options.fetch ?? globalThis.fetch;
  const hubOrigin = origin(options.context.endpoint);
  const retries = options.retry?.retries ?? 5;
  return async (input, init) => {
    const url = requestUrl(input);
    const headers = new Headers(input instanceof Request ? input.headers : undefined);
    new Headers(init?.headers).forEach((value, key) => headers.set(key, value));
    // Signed CDN URLs must not receive the token (and S3 rejects requests carrying two auth schemes).
    if (options.token !== undefined && origin(url) === hubOrigin)
      headers.set("authorization", `Bearer ${options.token}`);
    else headers.delete("authorization");
    const signals = [init?.signal, options.signal].filter((s): s is AbortSignal => s instanceof AbortSignal);
    const signal = signals.length === 0 ? undefined : AbortSignal.any(signals);
    for (let attempt = 0; ; attempt++) {
      if (isAborted(signal)) throw abortedError(signal);
      let response: Response;
      try {
        response = await baseFetch(input instanceof Request ? input.url : input, {
          ...init,
          headers,
          ...(signal === undefined ? {} : { signal }),
        });
      } catch (error) {
        if (isAborted(signal)) throw abortedError(signal);
        const reason = networkReason(error);
        if (attempt >= retries)
          throw new AtlasError("NETWORK", `cannot reach the hub (${reason}) after ${attempt + 1} attempts`, {
            where: url,
            cause: error,
            hint: "check the connection and HF_ENDPOINT; HF_HUB_OFFLINE=1 uses only cached files",
          });
        const delayMs = backoffDelay(attempt, options.retry);
        options.onRetry?.({ url, attempt: attempt + 1, delayMs, reason });
        await sleep(delayMs, signal);
        continue;
      }
      if (isRetryableStatus(response.status)) {
        const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
        const tooLong = retryAfter !== undefined && retryAfter > (options.retry?.maxRetryAfterMs ?? 120_000);
        if (attempt >= retries || tooLong) {
          const said = await failureMessage(response);
          const detail = said === null ? "" : ` (hub says: ${said})`;
          throw new AtlasError(
            "NETWORK",
            tooLong
              ? `the hub is rate-limiting requests and asks to wait ${Math.round(retryAfter / 1000)} s`
              : `the hub answered ${response.status}${detail}, still after ${attempt + 1} attempts`,
            { where: url, hint: "try again later; HF_HUB_OFFLINE=1 uses only files already in the cache" },
          );
        }
        await response.body?.cancel();
        const delayMs = backoffDelay(attempt, options.retry, retryAfter);
        options.onRetry?.({ url, attempt: attempt + 1, delayMs, reason: String(response.status) });
        await sleep(delayMs, signal);
        continue;
      }
      if (response.status >= 400) {
        throw hubHttpError(
          {
            status: response.status,
            url,
            errorCode: response.headers.get("x-error-code"),
            message: await failureMessage(response),
          },
          options.context,
        );
      }
      return response;
    }
  };
}
