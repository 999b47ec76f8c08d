/**
 * The one retry policy of our OpenAI-compatible client, used by `atlas serve --upstream` and by
 * `atlas eval --backend`. It follows openai-node's rule (retry 408, 409, 429 and every 5xx; the server's
 * `x-should-retry` header overrides the status either way) with one change: 501 Not Implemented is never
 * retried — a missing feature stays missing, however often it is asked for. Waits honour the server's
 * `retry-after-ms` / `Retry-After` (seconds or an HTTP date), else back off exponentially with jitter.
 */

/** How often and how long to retry. */
export interface RetryPolicy {
  /** Retries after the first attempt. Default 2 (openai-node's `maxRetries`). */
  retries?: number;
  /** Delay before the first retry, doubled each time. Default 500 ms. */
  baseDelayMs?: number;
  /** Upper bound of one computed delay. Default 8 s. */
  maxDelayMs?: number;
  /** Longest server-requested wait honoured; a longer one ends the retries at once. Default 60 s. */
  maxRetryAfterMs?: number;
  /** Jitter source in [0, 1) (tests pass a constant). Default Math.random. */
  random?: () => number;
}

/** Default retries after the first attempt. */
export const DEFAULT_RETRIES = 2;

/**
 * Whether an answer with this status (and headers) is worth asking again.
 * @example shouldRetry(503, new Headers()) // true
 * @example shouldRetry(501, new Headers()) // false
 * @example shouldRetry(500, new Headers({ "x-should-retry": "false" })) // false
 */
export function shouldRetry(status: number, headers: Headers): boolean {
  const told = headers.get("x-should-retry");
  if (told === "true") return true;
  if (told === "false") return false;
  if (status === 501) return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The wait the server asked for, in ms (`retry-after-ms`, else `Retry-After` seconds or date). */
export function requestedWaitMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get("retry-after-ms") ?? "");
  if (headers.get("retry-after-ms") !== null && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get("retry-after");
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The delay before retry `attempt` (0-based): the server's wait when it gave one (undefined when that
 * exceeds `maxRetryAfterMs`: do not retry), else `base·2^attempt` capped, with equal jitter.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, requested?: number): number | undefined {
  if (requested !== undefined) return requested > (policy.maxRetryAfterMs ?? 60_000) ? undefined : requested;
  const capped = Math.min(policy.maxDelayMs ?? 8_000, (policy.baseDelayMs ?? 500) * 2 ** attempt);
  const random = policy.random ?? Math.random;
  return Math.round(capped / 2 + (capped / 2) * random());
}
