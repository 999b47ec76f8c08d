/**
 * A `fetch` for hub requests: adds the token (only for the hub's own origin, never for the CDN a file
 * redirects to), routes every request through the proxy the environment names (hub-dispatcher.ts),
 * waits out the hub's rate limits (rate-limit.ts), retries 429/5xx and dropped connections with
 * backoff, and turns every other failed status into an AtlasError. We hand it to @huggingface/hub too,
 * so its calls get the same treatment and we never need its `accessToken` parameter (which rejects
 * tokens not starting with `hf_`).
 */
import { AtlasError, errorMessage } from "../core/index.js";
import {
  DEFAULT_MAX_WAIT_MS,
  abortedError,
  backoffDelay,
  isAborted,
  isRetryableStatus,
  parseRetryAfter,
  sleep,
} from "./backoff.js";
import type { RetryOptions } from "./backoff.js";
import { dispatcherFetch, hubDispatcher, proxyFailure } from "./hub-dispatcher.js";
import { hubHttpError, type HubRequestContext } from "./hub-error.js";
import { proxyRoute, redactUrl } from "./proxy-route.js";
import {
  DEFAULT_RATE_LIMIT_GATE,
  describeRateLimit,
  parseRateLimit,
  type RateLimitGate,
  type RateLimitInfo,
} from "./rate-limit.js";

/** One retry about to happen (for logs and progress lines). */
export interface RetryEvent {
  url: string;
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  /** "503", "429", "ECONNRESET" … */
  reason: string;
}

/** A wait for the hub's rate limit, about to begin. */
export interface RateLimitEvent {
  url: string;
  /** How long we will wait, in milliseconds. */
  waitMs: number;
  /** What the hub's `RateLimit` headers said (absent for a bare `Retry-After`). */
  info?: RateLimitInfo;
  /** True when a request was refused (429); false when an earlier answer said the window is used up. */
  rejected: boolean;
}

/**
 * The fields every hub call takes. Each call's options extend this instead of restating them, so a
 * field is documented (and defaulted) once.
 */
export interface HubRequestOptions {
  /** Hub URL (default `$HF_ENDPOINT`, else https://huggingface.co). */
  endpoint?: string | undefined;
  /** Access token (default: see `resolveTokenInfo`); sent only to the hub's own origin. */
  token?: string | undefined;
  /** Why no token is sent although the user has one (an expired stored token), for error hints. */
  noTokenBecause?: string | undefined;
  /**
   * The underlying fetch (default `globalThis.fetch`, or undici's own when a proxy or CA bundle is set);
   * tests inject one. With a proxy it receives `dispatcher` in its init: a fetch that ignores it goes
   * direct.
   */
  fetch?: typeof fetch | undefined;
  signal?: AbortSignal | undefined;
  /** How often and how patiently 429/5xx answers and dropped connections are retried. */
  retry?: RetryOptions | undefined;
  /** Called before each retry (for logs and progress). */
  onRetry?: ((event: RetryEvent) => void) | undefined;
  /** Environment for the proxy (`HTTPS_PROXY`, `NO_PROXY` …) and CA settings; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** What is known of the hub's rate limits, shared by requests (default: one per process). */
  rateLimitGate?: RateLimitGate | undefined;
  /** Called before waiting for the hub's rate limit ("rate limited by the hub, waiting 38 s"). */
  onRateLimit?: ((event: RateLimitEvent) => void) | undefined;
}

/** Options of {@link createHubFetch}. */
export interface HubFetchOptions extends Omit<HubRequestOptions, "endpoint"> {
  /** Endpoint, repo, revision … for error messages; `endpoint` also decides where the token goes. */
  context: HubRequestContext;
  /** Paused while this fetch sleeps (between retries, for a rate limit): e.g. a download's idle watchdog. */
  idle?: { pause(): void; resume(): void } | undefined;
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

/** Sleeps with `idle` paused, so a watchdog does not count our own wait as the server's silence. */
async function pausedSleep(ms: number, signal: AbortSignal | undefined, idle: HubFetchOptions["idle"]) {
  idle?.pause();
  try {
    await sleep(ms, signal);
  } finally {
    idle?.resume();
  }
}

/**
 * Builds the `fetch` used for every hub request of one operation.
 * @example
 * const hubFetch = createHubFetch({ context: { endpoint, repo, hasToken: true }, token });
 * const response = await hubFetch(`${endpoint}/api/models/${repo}`);
 */
export function createHubFetch(options: HubFetchOptions): typeof fetch {
  const env = options.env ?? process.env;
  const dispatcher = hubDispatcher(env);
  const baseFetch = options.fetch ?? (dispatcher === undefined ? globalThis.fetch : dispatcherFetch);
  const hubOrigin = origin(options.context.endpoint);
  const retries = options.retry?.retries ?? 5;
  const maxWaitMs = options.retry?.maxRetryAfterMs ?? DEFAULT_MAX_WAIT_MS;
  const gate = options.rateLimitGate ?? DEFAULT_RATE_LIMIT_GATE;
  return async (input, init) => {
    const url = requestUrl(input);
    const target = new URL(url);
    const toHub = target.origin === hubOrigin;
    const headers = new Headers(input instanceof Request ? input.headers : undefined);
    new Headers(init?.headers).forEach((value, key) => headers.set(key, value));
    // Signed CDN URLs must not receive the token (S3 rejects requests carrying two auth schemes).
    if (options.token !== undefined && toHub) headers.set("authorization", `Bearer ${options.token}`);
    else headers.delete("authorization");
    const signals = [init?.signal, options.signal].filter((s): s is AbortSignal => s instanceof AbortSignal);
    const signal = signals.length === 0 ? undefined : AbortSignal.any(signals);
    const route = dispatcher === undefined ? undefined : proxyRoute(target, env);
    const proxy = route?.kind === "proxy" ? route.proxy : undefined;
    const via = proxy === undefined ? "" : ` through the proxy ${redactUrl(proxy)}`;
    for (let attempt = 0; ; attempt++) {
      if (isAborted(signal)) throw abortedError(signal);
      // Another request learnt that this bucket is used up: wait for its reset instead of being refused.
      for (let pending = toHub ? gate.pending(target) : undefined; pending !== undefined;) {
        if (pending.waitMs > maxWaitMs) throw rateLimitError(url, pending.waitMs, pending.info, options);
        options.onRateLimit?.({ url, waitMs: pending.waitMs, rejected: false, ...infoOf(pending.info) });
        await pausedSleep(pending.waitMs, signal, options.idle);
        pending = gate.pending(target);
      }
      let response: Response;
      try {
        const requestInit: RequestInit = { ...init, headers, ...(signal === undefined ? {} : { signal }) };
        // Added untyped: the global RequestInit names Node's bundled undici-types Dispatcher, which the
        // undici package's own (the one we use, with its own fetch) is not declared as.
        if (dispatcher !== undefined) Object.assign(requestInit, { dispatcher });
        response = await baseFetch(input instanceof Request ? input.url : input, requestInit);
      } catch (error) {
        if (isAborted(signal)) throw abortedError(signal);
        const refused = proxyFailure(error, proxy);
        if (refused !== undefined)
          throw new AtlasError("NETWORK", refused, {
            where: url,
            cause: error,
            hint: `check ${route?.kind === "proxy" ? route.variable : "the proxy variables"}; NO_PROXY lists hosts to reach directly`,
          });
        const reason = networkReason(error);
        if (attempt >= retries)
          throw new AtlasError(
            "NETWORK",
            `cannot reach the hub${via} (${reason}) after ${attempt + 1} attempt${attempt === 0 ? "" : "s"}`,
            {
              where: url,
              cause: error,
              hint:
                proxy === undefined
                  ? "check the connection and HF_ENDPOINT (behind a proxy, set HTTPS_PROXY); HF_HUB_OFFLINE=1 uses only cached files"
                  : `check the proxy (${route?.kind === "proxy" ? route.variable : ""}) and HF_ENDPOINT; HF_HUB_OFFLINE=1 uses only cached files`,
            },
          );
        const delayMs = backoffDelay(attempt, options.retry);
        options.onRetry?.({ url, attempt: attempt + 1, delayMs, reason });
        await pausedSleep(delayMs, signal, options.idle);
        continue;
      }
      const info = toHub ? parseRateLimit(response.headers) : undefined;
      // The window is used up (`r=0`): the next request to this bucket waits before it is sent.
      if (info !== undefined && response.status !== 429) gate.observe(target, info);
      if (isRetryableStatus(response.status)) {
        const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
        const limited = response.status === 429;
        const hubWait = limited && toHub ? gate.observe(target, info, retryAfter) : undefined;
        const waitMs = hubWait?.waitMs ?? retryAfter;
        if (waitMs !== undefined && waitMs > maxWaitMs) {
          await response.body?.cancel();
          throw rateLimitError(url, waitMs, info, options);
        }
        if (attempt >= retries) {
          const said = await failureMessage(response);
          const detail = said === null ? "" : ` (hub says: ${said})`;
          throw new AtlasError(
            "NETWORK",
            limited && info !== undefined
              ? `${describeRateLimit(info)} refused ${attempt + 1} request${attempt === 0 ? "" : "s"}${detail}`
              : `the hub answered ${response.status}${detail}, still after ${attempt + 1} attempt${attempt === 0 ? "" : "s"}`,
            { where: url, hint: "try again later; HF_HUB_OFFLINE=1 uses only files already in the cache" },
          );
        }
        await response.body?.cancel();
        const delayMs = waitMs ?? backoffDelay(attempt, options.retry);
        options.onRetry?.({ url, attempt: attempt + 1, delayMs, reason: String(response.status) });
        if (limited) options.onRateLimit?.({ url, waitMs: delayMs, rejected: true, ...infoOf(info) });
        await pausedSleep(delayMs, signal, options.idle);
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

function infoOf(info: RateLimitInfo | undefined): { info?: RateLimitInfo } {
  return info === undefined ? {} : { info };
}

/** The hub asks for a longer wait than we accept. */
function rateLimitError(
  url: string,
  waitMs: number,
  info: RateLimitInfo | undefined,
  options: HubFetchOptions,
): AtlasError {
  const seconds = Math.round(waitMs / 1000);
  return new AtlasError(
    "NETWORK",
    `${info === undefined ? "the hub is rate-limiting requests" : `${describeRateLimit(info)} is used up`} and asks to wait ${seconds} s`,
    {
      where: url,
      hint:
        `try again in ${Math.ceil(seconds / 60)} min` +
        (options.context.hasToken
          ? ""
          : "; signed-in users get higher limits (set HF_TOKEN or run `hf auth login`)") +
        "; HF_HUB_OFFLINE=1 uses only files already in the cache",
    },
  );
}
