/**
 * The hub's rate limits. Every hub answer carries the IETF draft headers (draft-ietf-httpapi-ratelimit-
 * headers, as the hub sends them):
 *
 *     RateLimit: "api";r=489;t=189                    bucket "api": 489 requests left, window resets in 189 s
 *     RateLimit-Policy: "fixed window";"api";q=500;w=300   500 requests per 300 s window
 *
 * Buckets are "api" (/api/…), "resolvers" (…/resolve/…) and "pages". When `r` reaches 0 the next request
 * is refused with 429 until the window resets: huggingface_hub then waits `t` + 1 s. We do the same, and
 * one step more: a shared {@link RateLimitGate} remembers the reset per hub and bucket, so concurrent
 * downloads all wait instead of each spending a request to learn it, and an answer that says `r=0` makes
 * the next request wait before it is sent rather than be refused.
 */
import { sleep } from "./backoff.js";

/** What one `RateLimit` / `RateLimit-Policy` pair says. */
export interface RateLimitInfo {
  /** The bucket: "api", "resolvers", "pages" … */
  resource: string;
  /** Requests left in the current window. */
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
  /** Requests allowed per window (`q` of the policy), when sent. */
  limit?: number;
  /** The window in seconds (`w` of the policy), when sent. */
  windowSeconds?: number;
}

// The same grammar huggingface_hub's parse_ratelimit_headers accepts: a quoted bucket name, then r and t.
const RATELIMIT = /"(\w+)"\s*;\s*r\s*=\s*(\d+)\s*;\s*t\s*=\s*(\d+)/;
const POLICY = /q\s*=\s*(\d+).*?w\s*=\s*(\d+)/;

/** Parses the `RateLimit` header (and `RateLimit-Policy` when present); undefined when absent or malformed. */
export function parseRateLimit(headers: Headers): RateLimitInfo | undefined {
  const match = RATELIMIT.exec(headers.get("ratelimit") ?? "");
  if (match?.[1] === undefined) return undefined;
  const info: RateLimitInfo = {
    resource: match[1],
    remaining: Number(match[2]),
    resetSeconds: Number(match[3]),
  };
  const policy = POLICY.exec(headers.get("ratelimit-policy") ?? "");
  if (policy !== null) {
    info.limit = Number(policy[1]);
    info.windowSeconds = Number(policy[2]);
  }
  return info;
}

/** `RateLimitInfo` in words: "the hub's api limit (500 requests per 300 s)". */
export function describeRateLimit(info: RateLimitInfo | undefined): string {
  if (info === undefined) return "the hub's rate limit";
  const policy =
    info.limit === undefined || info.windowSeconds === undefined
      ? ""
      : ` (${info.limit} requests per ${info.windowSeconds} s)`;
  return `the hub's '${info.resource}' rate limit${policy}`;
}

/** The bucket a hub URL counts against, by the hub's own rules (docs: "Hub Rate limits"). */
export function rateLimitBucket(url: URL): string {
  if (url.pathname.includes("/resolve/") || url.pathname.startsWith("/api/resolve-cache/"))
    return "resolvers";
  return url.pathname.startsWith("/api/") ? "api" : "pages";
}

/** A wait the gate imposes before a request. */
export interface RateLimitWait {
  /** Milliseconds to wait from now. */
  waitMs: number;
  /** What the hub said, when it said it. */
  info?: RateLimitInfo;
}

/**
 * What is known of a hub's rate limits, shared by every request to it: until when each bucket is
 * exhausted. Pass one to all requests of an operation (the default is one per process).
 */
export class RateLimitGate {
  private readonly until = new Map<string, { at: number; info?: RateLimitInfo }>();

  constructor(private readonly now: () => number = Date.now) {}

  private key(url: URL, resource?: string): string {
    return `${url.origin} ${resource ?? rateLimitBucket(url)}`;
  }

  /**
   * Records an answer's rate-limit state. `r=0` (or a 429 with `retryAfterMs`) closes the bucket until
   * the reset plus 1 s (huggingface_hub's margin against rounding). Returns the wait this now imposes.
   */
  observe(url: URL, info: RateLimitInfo | undefined, retryAfterMs?: number): RateLimitWait | undefined {
    let waitMs: number | undefined;
    if (info !== undefined && info.remaining === 0) waitMs = info.resetSeconds * 1000 + 1000;
    else if (retryAfterMs !== undefined) waitMs = retryAfterMs;
    if (waitMs === undefined) return undefined;
    const key = this.key(url);
    const at = this.now() + waitMs;
    const current = this.until.get(key);
    if (current === undefined || current.at < at)
      this.until.set(key, { at, ...(info === undefined ? {} : { info }) });
    return { waitMs, ...(info === undefined ? {} : { info }) };
  }

  /** The wait still needed before a request to `url` may be sent, or undefined. */
  pending(url: URL): RateLimitWait | undefined {
    const key = this.key(url);
    const entry = this.until.get(key);
    if (entry === undefined) return undefined;
    const waitMs = entry.at - this.now();
    if (waitMs <= 0) {
      this.until.delete(key);
      return undefined;
    }
    return { waitMs, ...(entry.info === undefined ? {} : { info: entry.info }) };
  }

  /** Waits until `url`'s bucket is open again (calls `onWait` first when it has to wait). */
  async wait(
    url: URL,
    signal: AbortSignal | undefined,
    onWait?: (wait: RateLimitWait) => void,
  ): Promise<void> {
    for (let wait = this.pending(url); wait !== undefined; wait = this.pending(url)) {
      onWait?.(wait);
      await sleep(wait.waitMs, signal);
    }
  }
}

/** The gate every hub request shares unless its options name another. */
export const DEFAULT_RATE_LIMIT_GATE = new RateLimitGate();
