/** Resume after a dropped connection or Ctrl-C, corrupt content, and retries — against the mock hub. */
import { readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isAtlasError } from "../../src/core/index.js";
import {
  downloadSnapshot,
  type DownloadSnapshotOptions,
  type RetryEvent,
  type SnapshotProgress,
} from "../../src/hub/index.js";
import { startMockHub, type MockHub, type ServedRepo } from "../helpers/mock-hub.js";
import { FAST_RETRY, SHARD_SIZES, checkpointFiles, scratchDir } from "./fixtures.js";

const REPO = "mock-org/Flaky";
const SHARD = "model-00001-of-00002.safetensors";
let hub: MockHub;
let served: ServedRepo;
let sha: string;

beforeAll(async () => {
  hub = await startMockHub();
  served = hub.addRepo({ id: REPO, commits: [{ files: checkpointFiles(3) }] });
  sha = served.refs.get("main") ?? "";
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

function options(cacheDir: string, extra: Partial<DownloadSnapshotOptions> = {}): DownloadSnapshotOptions {
  return { repo: REPO, cacheDir, endpoint: hub.url, env: {}, retry: FAST_RETRY, ...extra };
}

const shardFile = () => {
  const file = served.commits.get(sha)?.get(SHARD);
  if (file === undefined) throw new Error("no shard");
  return file;
};
const blobs = (cache: string) => join(cache, "models--mock-org--Flaky", "blobs");

describe("resumable downloads", () => {
  it("a dropped connection leaves .incomplete; the next pull resumes with Range and verifies", async () => {
    const cache = await scratchDir("resume");
    const file = shardFile();
    const cut = 100_000;
    hub.dropConnection(SHARD, cut, 100);
    await expect(
      downloadSnapshot(options(cache, { retry: { retries: 0 }, concurrency: 1 })),
    ).rejects.toSatisfy(
      (e) => isAtlasError(e, "NETWORK") && /run the command again to resume/.test(e.message),
    );
    const partial = join(blobs(cache), `${file.sha256}.incomplete`);
    expect((await stat(partial)).size).toBe(cut);
    // The unverified file is never linked into the snapshot.
    await expect(stat(join(cache, "models--mock-org--Flaky", "snapshots", sha, SHARD))).rejects.toThrow();

    hub.reset();
    const result = await downloadSnapshot(options(cache));
    const shardRequests = hub.contentRequests().filter((r) => r.file === SHARD);
    expect(shardRequests).toHaveLength(1);
    expect(shardRequests[0]?.server).toBe("cdn");
    expect(shardRequests[0]?.headers["range"]).toBe(`bytes=${cut}-`);
    expect(hub.servedBytes.get(SHARD)).toBe(SHARD_SIZES[0] - cut);
    const entry = result.files.find((f) => f.path === SHARD);
    expect(entry).toMatchObject({ source: "download", resumedFrom: cut });
    expect(Buffer.compare(await readFile(join(result.folder, SHARD)), Buffer.from(file.content))).toBe(0);
    expect((await readdir(blobs(cache))).filter((n) => n.endsWith(".incomplete"))).toEqual([]);
  });

  it("resumes within the same pull when the connection drops (retries)", async () => {
    const cache = await scratchDir("resume-inline");
    hub.dropConnection(SHARD, 50_000, 2);
    const retries: RetryEvent[] = [];
    const result = await downloadSnapshot(options(cache, { onRetry: (e) => retries.push(e) }));
    const ranges = hub
      .contentRequests()
      .filter((r) => r.file === SHARD)
      .map((r) => r.headers["range"]);
    expect(ranges).toEqual([undefined, "bytes=50000-", "bytes=100000-"]);
    expect(retries.length).toBe(2);
    expect(Buffer.compare(await readFile(join(result.folder, SHARD)), Buffer.from(shardFile().content))).toBe(
      0,
    );
  });

  it("a server that stops sending mid-body is dropped after the idle timeout and resumed with Range", async () => {
    const cache = await scratchDir("stall");
    const stalled = hub.stall(SHARD, 60_000);
    const events: SnapshotProgress[] = [];
    const pull = downloadSnapshot(options(cache, { idleTimeoutMs: 200, onProgress: (e) => events.push(e) }));
    await stalled; // the mock says when it stopped sending; the client's watchdog does the rest
    const result = await pull;
    const ranges = hub
      .contentRequests()
      .filter((r) => r.file === SHARD)
      .map((r) => r.headers["range"]);
    expect(ranges).toEqual([undefined, "bytes=60000-"]);
    expect(events).toContainEqual(
      expect.objectContaining({ type: "file", path: SHARD, state: "stalled", done: 60_000 }),
    );
    expect(Buffer.compare(await readFile(join(result.folder, SHARD)), Buffer.from(shardFile().content))).toBe(
      0,
    );
  });

  it("the idle timeout defaults to $ATLAS_READ_TIMEOUT", async () => {
    const cache = await scratchDir("stall-env");
    const stalled = hub.stall(SHARD, 10_000);
    const events: SnapshotProgress[] = [];
    const pull = downloadSnapshot(
      options(cache, { env: { ATLAS_READ_TIMEOUT: "0.2" }, onProgress: (e) => events.push(e) }),
    );
    await stalled;
    await pull;
    expect(events.filter((e) => e.type === "file" && e.state === "stalled")).toHaveLength(1);
  });

  it("Ctrl-C (abort) keeps the partial file; the next pull resumes from it", async () => {
    const cache = await scratchDir("abort");
    const controller = new AbortController();
    await expect(
      downloadSnapshot(
        options(cache, {
          concurrency: 1,
          signal: controller.signal,
          onProgress: (e) => {
            if (e.type === "file" && e.path === SHARD && e.done >= 64_000)
              controller.abort(new Error("Ctrl-C"));
          },
        }),
      ),
    ).rejects.toSatisfy((e) => isAtlasError(e, "ABORTED"));
    const partial = join(blobs(cache), `${shardFile().sha256}.incomplete`);
    const kept = (await stat(partial)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(SHARD_SIZES[0]);
    hub.reset();
    const result = await downloadSnapshot(options(cache));
    expect(hub.contentRequests().find((r) => r.file === SHARD)?.headers["range"]).toBe(`bytes=${kept}-`);
    expect(Buffer.compare(await readFile(join(result.folder, SHARD)), Buffer.from(shardFile().content))).toBe(
      0,
    );
  });

  it("restarts from zero when a stale .incomplete is longer than the file", async () => {
    const cache = await scratchDir("too-long");
    const { mkdir, writeFile } = await import("node:fs/promises");
    await mkdir(blobs(cache), { recursive: true });
    await writeFile(
      join(blobs(cache), `${shardFile().sha256}.incomplete`),
      new Uint8Array(SHARD_SIZES[0] + 5),
    );
    const result = await downloadSnapshot(options(cache));
    expect(hub.contentRequests().find((r) => r.file === SHARD)?.headers["range"]).toBeUndefined();
    expect(Buffer.compare(await readFile(join(result.folder, SHARD)), Buffer.from(shardFile().content))).toBe(
      0,
    );
  });
});

describe("verification", () => {
  it("detects a corrupt LFS file, deletes it and fails with CHECKSUM", async () => {
    const cache = await scratchDir("corrupt");
    hub.corrupt(SHARD);
    await expect(downloadSnapshot(options(cache))).rejects.toSatisfy(
      (e) =>
        isAtlasError(e, "CHECKSUM") && e.message.includes(SHARD) && e.message.includes(shardFile().sha256),
    );
    const names = await readdir(blobs(cache));
    expect(names.filter((n) => n.startsWith(shardFile().sha256))).toEqual([]);
    await expect(stat(join(cache, "models--mock-org--Flaky", "snapshots", sha, SHARD))).rejects.toThrow();
    hub.reset();
    await downloadSnapshot(options(cache));
    expect(hub.servedBytes.get(SHARD)).toBe(SHARD_SIZES[0]);
  });

  it("detects a corrupt small file by its git sha1", async () => {
    const cache = await scratchDir("corrupt-small");
    hub.corrupt("config.json");
    await expect(downloadSnapshot(options(cache))).rejects.toSatisfy(
      (e) => isAtlasError(e, "CHECKSUM") && e.message.includes("git-sha1"),
    );
  });

  it("a corrupt resumed tail is caught too (the prefix on disk is hashed first)", async () => {
    const cache = await scratchDir("corrupt-tail");
    hub.dropConnection(SHARD, 100_000, 1);
    await expect(downloadSnapshot(options(cache, { retry: { retries: 0 } }))).rejects.toSatisfy((e) =>
      isAtlasError(e, "NETWORK"),
    );
    hub.reset();
    hub.corrupt(SHARD);
    await expect(downloadSnapshot(options(cache))).rejects.toSatisfy((e) => isAtlasError(e, "CHECKSUM"));
    expect((await readdir(blobs(cache))).some((n) => n.startsWith(shardFile().sha256))).toBe(false);
  });
});

describe("retries", () => {
  it("retries 503 and 429 (honouring Retry-After) and then succeeds", async () => {
    const cache = await scratchDir("retry");
    hub.failNext(503, 2, { match: (r) => r.url.includes("/revision/") });
    hub.failNext(429, 1, { retryAfter: "0", match: (r) => r.server === "cdn" });
    const events: RetryEvent[] = [];
    const result = await downloadSnapshot(options(cache, { onRetry: (e) => events.push(e) }));
    expect(result.sha).toBe(sha);
    expect(events.map((e) => e.reason)).toEqual(["503", "503", "429"]);
    // Retry-After: 0 was used as the delay instead of the backoff.
    expect(events[2]?.delayMs).toBe(0);
  });

  it("gives up after the configured retries with a clear NETWORK error", async () => {
    const cache = await scratchDir("retry-fail");
    hub.failNext(500, 100);
    await expect(downloadSnapshot(options(cache))).rejects.toSatisfy(
      (e) => isAtlasError(e, "NETWORK") && /answered 500.*after 4 attempts/.test(e.message),
    );
  });

  it("refuses a Retry-After longer than allowed rather than hanging", async () => {
    const cache = await scratchDir("retry-long");
    hub.failNext(429, 1, { retryAfter: "3600" });
    await expect(downloadSnapshot(options(cache))).rejects.toSatisfy(
      (e) => isAtlasError(e, "NETWORK") && e.message.includes("wait 3600 s"),
    );
  });

  it("reports an unreachable endpoint as NETWORK", async () => {
    const cache = await scratchDir("unreachable");
    const closed = await startMockHub();
    const url = closed.url;
    await closed.close();
    await expect(
      downloadSnapshot(options(cache, { endpoint: url, retry: { retries: 1, baseDelayMs: 1 } })),
    ).rejects.toSatisfy((e) => isAtlasError(e, "NETWORK") && e.message.includes("ECONNREFUSED"));
  });
});
