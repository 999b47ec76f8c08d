import { describe, expect, it } from "vitest";
import { isAtlasError } from "../core/index.js";
import { backoffDelay, isRetryableStatus, parseRetryAfter, sleep } from "./backoff.js";

describe("backoff", () => {
  it("doubles with equal jitter and caps", () => {
    const fixed = { baseDelayMs: 100, maxDelayMs: 1000, random: () => 1 };
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, fixed))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(2, { ...fixed, random: () => 0 })).toBe(200);
  });

  it("uses Retry-After when given, capped", () => {
    expect(backoffDelay(5, {}, 2000)).toBe(2000);
    expect(backoffDelay(0, { maxRetryAfterMs: 500 }, 2000)).toBe(500);
  });

  it("parses Retry-After seconds and HTTP dates", () => {
    const now = Date.parse("2024-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("Mon, 01 Jan 2024 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("retries 429, 408 and 5xx only", () => {
    expect([429, 408, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 416].some(isRetryableStatus)).toBe(false);
  });

  it("sleep rejects with ABORTED on abort", async () => {
    const controller = new AbortController();
    const pending = sleep(10_000, controller.signal);
    controller.abort();
    await expect(pending).rejects.toSatisfy((e) => isAtlasError(e, "ABORTED"));
  });
});
