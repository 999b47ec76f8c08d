/**
 * The hub's rate limits, against a mock that enforces them as the hub does (fixed windows, `RateLimit`
 * headers on every answer, 429 past the quota). Time is real but the windows are short (5 s); the
 * assertions are about order and counts — no request inside a window that the hub said is closed —
 * never about how fast anything ran.
 */
import { afterEach, describe, expect, it } from "vitest";
import { isAtlasError } from "../../src/core/index.js";
import {
  RateLimitGate,
  downloadSnapshot,
  parseRateLimit,
  type DownloadSnapshotOptions,
  type SnapshotProgress,
} from "../../src/hub/index.js";
import { startMockHub, type MockHub } from "../helpers/mock-hub.js";
import { checkpointFiles, scratchDir } from "./fixtures.js";

const REPO = "mock-org/Limited";
const SHARD = "model-00001-of-00002.safetensors";
let hubs: MockHub[] = [];

async function limitedHub(options: Parameters<typeof startMockHub>[0]): Promise<MockHub> {
  const hub = await startMockHub(options);
  hub.addRepo({ id: REPO, commits: [{ files: checkpointFiles(21) }] });
  hubs.push(hub);
  return hub;
}

async function options(
  hub: MockHub,
  extra: Partial<DownloadSnapshotOptions> = {},
): Promise<DownloadSnapshotOptions> {
  return {
    repo: REPO,
    endpoint: hub.url,
    cacheDir: await scratchDir("ratelimit"),
    env: {},
    // A fresh gate per test: what one test taught the client must not make another wait.
    rateLimitGate: new RateLimitGate(),
    retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 5 },
    ...extra,
  };
}

afterEach(async () => {
  for (const hub of hubs) await hub.close();
  hubs = [];
});

describe("parseRateLimit", () => {
  it("reads the IETF draft syntax the hub sends", () => {
    const headers = new Headers({
      RateLimit: '"api";r=0;t=38',
      "RateLimit-Policy": '"fixed window";"api";q=500;w=300',
    });
    expect(parseRateLimit(headers)).toEqual({
      resource: "api",
      remaining: 0,
      resetSeconds: 38,
      limit: 500,
      windowSeconds: 300,
    });
    expect(parseRateLimit(new Headers({ ratelimit: '"resolvers";r=2999;t=12' }))).toEqual({
      resource: "resolvers",
      remaining: 2999,
      resetSeconds: 12,
    });
    expect(parseRateLimit(new Headers({ ratelimit: "limit=100, remaining=0, reset=5" }))).toBeUndefined();
    expect(parseRateLimit(new Headers())).toBeUndefined();
  });
});

describe("the hub's rate limit", () => {
  it("a 429 with a 5 s window: waits it out, sends nothing inside it, then succeeds", async () => {
    const hub = await limitedHub({ rateLimits: { api: { quota: 100, windowSeconds: 5 } } });
    // Other clients behind the same address used the window up.
    hub.rateLimiter.exhaust("api");
    const windowEndsAt = hub.rateLimiter.windowEndsAt("api");
    const events: SnapshotProgress[] = [];
    const result = await downloadSnapshot(
      await options(hub, { concurrency: 1, onProgress: (e) => events.push(e) }),
    );
    expect(result.files.length).toBeGreaterThan(0);
    // Exactly one request was refused: after it, nothing until the window had ended.
    expect(hub.rateLimiter.rejections).toHaveLength(1);
    const refused = hub.requests.find((r) => r.status === 429);
    const later = hub.requests.filter(
      (r) => r.server === "hub" && r !== refused && r.at >= (refused?.at ?? 0),
    );
    expect(later.length).toBeGreaterThan(0);
    for (const request of later) expect(request.at).toBeGreaterThanOrEqual(windowEndsAt);
    const waits = events.filter((e) => e.type === "rate-limited");
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({
      type: "rate-limited",
      resource: "api",
      rejected: true,
      limit: 100,
      windowSeconds: 5,
    });
    // The hub's t plus huggingface_hub's 1 s margin.
    const waitMs = waits[0]?.type === "rate-limited" ? waits[0].waitMs : 0;
    expect(waitMs).toBeGreaterThan(4000);
    expect(waitMs).toBeLessThanOrEqual(6000);
  }, 30_000);

  it("an answer that says the window is used up (r=0) makes the next request wait: no 429 at all", async () => {
    const hub = await limitedHub({ rateLimits: { api: { quota: 1, windowSeconds: 3 } } });
    const events: SnapshotProgress[] = [];
    await downloadSnapshot(await options(hub, { onProgress: (e) => events.push(e) }));
    expect(hub.rateLimiter.rejections).toEqual([]);
    const api = hub.requests.filter((r) => r.url.startsWith("/api/models/"));
    // model info, then the listing: the second only once the first's window was over.
    expect(api.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < api.length; i++)
      expect((api[i]?.at ?? 0) - (api[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(2900);
    expect(events.filter((e) => e.type === "rate-limited" && !e.rejected).length).toBe(api.length - 1);
  }, 60_000);

  it("what one request learnt is shared: a pull started during the window sends nothing until it ends", async () => {
    const hub = await limitedHub({ rateLimits: { api: { quota: 1000, windowSeconds: 4 } } });
    hub.rateLimiter.exhaust("api");
    const windowEndsAt = hub.rateLimiter.windowEndsAt("api");
    const gate = new RateLimitGate();
    let second: Promise<unknown> | undefined;
    let secondStartedAt = 0;
    const first = downloadSnapshot(
      await options(hub, {
        rateLimitGate: gate,
        onProgress: (e) => {
          // The first pull was refused and is waiting: a second pull (another client of the same
          // server process, say) starts now.
          if (e.type !== "rate-limited" || second !== undefined) return;
          secondStartedAt = Date.now();
          second = options(hub, { rateLimitGate: gate }).then(downloadSnapshot);
        },
      }),
    );
    await first;
    await second;
    expect(second).toBeDefined();
    expect(hub.rateLimiter.rejections).toHaveLength(1);
    // (The refused request itself may carry the same millisecond as the start of the second pull.)
    const refused = hub.requests.find((r) => r.status === 429);
    const afterSecondStarted = hub.requests.filter(
      (r) => r.server === "hub" && r !== refused && r.at >= secondStartedAt,
    );
    expect(afterSecondStarted.length).toBeGreaterThan(0);
    for (const request of afterSecondStarted) expect(request.at).toBeGreaterThanOrEqual(windowEndsAt);
  }, 30_000);

  it("a window longer than we accept to wait fails at once, saying how long and what helps", async () => {
    const hub = await limitedHub({ rateLimits: { api: { quota: 10, windowSeconds: 3600 } } });
    hub.rateLimiter.exhaust("api");
    const error: unknown = await downloadSnapshot(await options(hub)).catch((e: unknown) => e);
    expect(isAtlasError(error, "NETWORK")).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(
      /'api' rate limit \(10 requests per 3600 s\) is used up and asks to wait 360\d s/,
    );
    expect(message).toContain("signed-in users get higher limits");
    expect(hub.rateLimiter.rejections).toHaveLength(1);
  });

  it("a Retry-After longer than the read timeout is waited out in full: the idle watchdog does not count it", async () => {
    const hub = await limitedHub({});
    const onCdn = (r: { server: string; url: string }): boolean =>
      r.server === "cdn" && r.url.includes(`x-path=${SHARD}`);
    hub.failNext(503, 1, { retryAfter: "2", match: onCdn });
    const events: SnapshotProgress[] = [];
    const result = await downloadSnapshot(
      await options(hub, { idleTimeoutMs: 300, concurrency: 1, onProgress: (e) => events.push(e) }),
    );
    expect(result.files.find((f) => f.path === SHARD)?.source).toBe("download");
    expect(events.filter((e) => e.type === "file" && e.state === "stalled")).toEqual([]);
    const [failed, retried, ...more] = hub.requests.filter(onCdn);
    expect([failed?.status, retried?.status, more.length]).toEqual([503, 200, 0]);
    expect((retried?.at ?? 0) - (failed?.at ?? 0)).toBeGreaterThanOrEqual(1900);
  }, 30_000);
});
