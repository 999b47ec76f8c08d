/**
 * The hub's rate limits as the real hub enforces and announces them: fixed windows per bucket ("api" for
 * /api/…, "resolvers" for …/resolve/…), every answer carrying
 *
 *     RateLimit: "api";r=<left>;t=<seconds to reset>
 *     RateLimit-Policy: "fixed window";"api";q=<quota>;w=<window seconds>
 *
 * and a request over the quota refused with 429 and `r=0` (no Retry-After: the hub says it in RateLimit).
 */

/** One bucket's quota. */
export interface MockRateLimit {
  /** Requests per window. */
  quota: number;
  /** Window length in seconds (the real hub: 300). */
  windowSeconds: number;
}

/** The buckets the hub counts. */
export type MockBucket = "api" | "resolvers";

/** Quotas high enough that only tests asking for a limit ever reach one. */
const GENEROUS: MockRateLimit = { quota: 100_000, windowSeconds: 300 };

/** A 429 the mock sent, and the window it belonged to. */
export interface RateLimitRejection {
  bucket: MockBucket;
  /** When it was sent (ms since the epoch). */
  at: number;
  /** When the window it refused in ends. */
  windowEndsAt: number;
}

/** Fixed-window counters per bucket. */
export class MockRateLimiter {
  private readonly windows = new Map<MockBucket, { startedAt: number; used: number }>();
  readonly rejections: RateLimitRejection[] = [];

  constructor(private limits: Partial<Record<MockBucket, MockRateLimit>> = {}) {}

  private limit(bucket: MockBucket): MockRateLimit {
    return this.limits[bucket] ?? GENEROUS;
  }

  /** Replaces the quotas (and starts fresh windows). */
  configure(limits: Partial<Record<MockBucket, MockRateLimit>>): void {
    this.limits = limits;
    this.windows.clear();
    this.rejections.length = 0;
  }

  /** Fresh windows and no recorded 429s, same quotas. */
  reset(): void {
    this.windows.clear();
    this.rejections.length = 0;
  }

  private window(bucket: MockBucket, now: number): { startedAt: number; used: number } {
    const { windowSeconds } = this.limit(bucket);
    let window = this.windows.get(bucket);
    if (window === undefined || now >= window.startedAt + windowSeconds * 1000) {
      window = { startedAt: now, used: 0 };
      this.windows.set(bucket, window);
    }
    return window;
  }

  /** Other clients (same IP / token) used the rest of the window. */
  exhaust(bucket: MockBucket, now = Date.now()): void {
    this.window(bucket, now).used = this.limit(bucket).quota;
  }

  /** When the current window of `bucket` ends. */
  windowEndsAt(bucket: MockBucket, now = Date.now()): number {
    return this.window(bucket, now).startedAt + this.limit(bucket).windowSeconds * 1000;
  }

  /**
   * Counts one request: the headers to send, and whether it is refused. A refused request does not
   * count against the quota (the hub counts what it serves).
   */
  take(bucket: MockBucket, now = Date.now()): { headers: Record<string, string>; refused: boolean } {
    const { quota, windowSeconds } = this.limit(bucket);
    const window = this.window(bucket, now);
    const refused = window.used >= quota;
    if (!refused) window.used++;
    const endsAt = window.startedAt + windowSeconds * 1000;
    const reset = Math.max(0, Math.ceil((endsAt - now) / 1000));
    if (refused) this.rejections.push({ bucket, at: now, windowEndsAt: endsAt });
    return {
      refused,
      headers: {
        ratelimit: `"${bucket}";r=${Math.max(0, quota - window.used)};t=${reset}`,
        "ratelimit-policy": `"fixed window";"${bucket}";q=${quota};w=${windowSeconds}`,
      },
    };
  }
}
