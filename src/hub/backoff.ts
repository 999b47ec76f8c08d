/** Retry timing for hub requests: exponential backoff with jitter, honouring `Retry-After`. */
import { AtlasError } from "../core/index.js";

/** How often and how patiently to retry 429/5xx answers and dropped connections. */
export interface RetryOptions {
  /** Retries after the first attempt (default 5). */
  retries?: number;
  /** Delay before the first retry, doubled each time (default 1000 ms). */
  baseDelayMs?: number;
  /** Upper bound of one computed delay (default 30 s). */
  maxDelayMs?: number;
  /**
   * Upper bound of a wait the server asks for (`Retry-After`, or the hub's `RateLimit` reset), default
   * 10 min (the hub's windows are 5 min): a longer wait is an error now instead of a silent hang.
   */
  maxRetryAfterMs?: number;
  /** Source of jitter in [0, 1) (default Math.random); tests pass a constant. */
  random?: () => number;
}

/** Default of {@link RetryOptions.maxRetryAfterMs}. */
export const DEFAULT_MAX_WAIT_MS = 10 * 60_000;

/** Statuses worth retrying: rate limits and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status <= 599);
}

/**
 * Parses a `Retry-After` value (seconds or an HTTP date) into milliseconds from `now`.
 * Returns `undefined` for a missing or malformed value.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The delay before retry number `attempt` (0-based): `Retry-After` when the server sent one, else
 * `base·2^attempt` capped at `maxDelayMs`, with "equal jitter" (half fixed, half random) so that
 * concurrent downloads hitting the same rate limit do not retry in lock-step.
 */
export function backoffDelay(attempt: number, options: RetryOptions = {}, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined)
    return Math.min(retryAfterMs, options.maxRetryAfterMs ?? DEFAULT_MAX_WAIT_MS);
  const base = options.baseDelayMs ?? 1000;
  const capped = Math.min(options.maxDelayMs ?? 30_000, base * 2 ** attempt);
  const random = options.random ?? Math.random;
  return Math.round(capped / 2 + (capped / 2) * random());
}

/** The ABORTED error for a cancelled operation, keeping the signal's reason as `cause`. */
export function abortedError(signal: AbortSignal | undefined, what = "download"): AtlasError {
  return new AtlasError("ABORTED", `${what} cancelled`, {
    cause: signal?.reason,
    hint: "run the same command again to resume",
  });
}

/** `signal.aborted`, as a call (TypeScript narrows a property read across awaits, which is wrong here). */
export function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** Waits `ms`, or rejects with ABORTED as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortedError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
