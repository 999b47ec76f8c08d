/** Gated and private repos, tokens from flag / env / file, 404s — against the mock hub. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isAtlasError } from "../../src/core/index.js";
import { downloadSnapshot, resolveRevision, type DownloadSnapshotOptions } from "../../src/hub/index.js";
import { startMockHub, type MockHub } from "../helpers/mock-hub.js";
import { FAST_RETRY, checkpointFiles, scratchDir } from "./fixtures.js";

const GATED = "MBZUAI-Paris/Atlas-Chat-2B";
const PRIVATE = "someone/Private-Model";
const GOOD = "hf_granted_token";
// Real tokens start with hf_, but nothing forces a mirror's tokens to: this one must work too.
const ODD = "api_org_granted";
const UNGRANTED = "hf_not_accepted";
let hub: MockHub;

beforeAll(async () => {
  hub = await startMockHub({ tokens: { [GOOD]: [GATED, PRIVATE], [ODD]: ["*"], [UNGRANTED]: [] } });
  hub.addRepo({ id: GATED, gated: true, commits: [{ files: checkpointFiles(4) }] });
  hub.addRepo({ id: PRIVATE, private: true, commits: [{ files: checkpointFiles(5) }] });
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

function options(cacheDir: string, extra: Partial<DownloadSnapshotOptions> = {}): DownloadSnapshotOptions {
  return { repo: GATED, cacheDir, endpoint: hub.url, env: {}, retry: FAST_RETRY, ...extra };
}

describe("gated repos", () => {
  it("without a token: AUTH telling to accept the license and set a token", async () => {
    const cache = await scratchDir("gated-anon");
    const error: unknown = await downloadSnapshot(options(cache)).catch((e: unknown) => e);
    expect(isAtlasError(error, "AUTH")).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain(`the model ${GATED} is gated`);
    expect(message).toContain(`accept its license at ${hub.url}/${GATED}`);
    expect(message).toContain("set HF_TOKEN or run with --token");
    // Model info and listing are public; the file request got the 401.
    expect(hub.requests.some((r) => r.url.includes("/resolve/"))).toBe(true);
  });

  it("with a token that has not accepted the license: AUTH saying so", async () => {
    const cache = await scratchDir("gated-ungranted");
    await expect(downloadSnapshot(options(cache, { token: UNGRANTED }))).rejects.toSatisfy(
      (e) => isAtlasError(e, "AUTH") && e.message.includes("your token has no access to the gated model"),
    );
  });

  it("with a granted token: downloads, sending the token to the hub but not to the CDN", async () => {
    const cache = await scratchDir("gated-ok");
    const result = await downloadSnapshot(options(cache, { token: GOOD }));
    expect(result.files.length).toBeGreaterThan(0);
    const hubRequests = hub.requests.filter((r) => r.server === "hub");
    const cdnRequests = hub.requests.filter((r) => r.server === "cdn");
    expect(hubRequests.every((r) => r.headers["authorization"] === `Bearer ${GOOD}`)).toBe(true);
    expect(cdnRequests.length).toBeGreaterThan(0);
    expect(cdnRequests.every((r) => r.headers["authorization"] === undefined)).toBe(true);
  });

  it("reads the token from HF_TOKEN, then from $HF_HOME/token", async () => {
    const cache = await scratchDir("gated-env");
    await downloadSnapshot(options(cache, { env: { HF_TOKEN: ODD } }));
    expect(hub.requests.find((r) => r.server === "hub")?.headers["authorization"]).toBe(`Bearer ${ODD}`);
    hub.reset();
    const home = await scratchDir("hf-home");
    await mkdir(home, { recursive: true });
    await writeFile(join(home, "token"), `${GOOD}\n`);
    await downloadSnapshot(options(await scratchDir("gated-file"), { env: { HF_HOME: home } }));
    expect(hub.requests.find((r) => r.server === "hub")?.headers["authorization"]).toBe(`Bearer ${GOOD}`);
  });

  it("an unknown token is reported as rejected", async () => {
    await expect(resolveRevision({ repo: GATED, endpoint: hub.url, token: "hf_bogus" })).rejects.toSatisfy(
      (e) => isAtlasError(e, "AUTH") && e.message.includes("rejected the token"),
    );
  });
});

describe("missing models and revisions", () => {
  it("404 / anonymous 401 for a missing repo → NOT_FOUND 'no such model or revision'", async () => {
    for (const token of [undefined, GOOD]) {
      await expect(
        resolveRevision({ repo: "nobody/Nothing", endpoint: hub.url, token, retry: FAST_RETRY }),
      ).rejects.toSatisfy(
        (e) => isAtlasError(e, "NOT_FOUND") && e.message.includes("no such model or revision"),
      );
    }
  });

  it("a private repo is invisible without a token and works with one", async () => {
    await expect(resolveRevision({ repo: PRIVATE, endpoint: hub.url })).rejects.toSatisfy(
      (e) => isAtlasError(e, "NOT_FOUND") && e.message.includes("if the model is private, set HF_TOKEN"),
    );
    const info = await resolveRevision({ repo: PRIVATE, endpoint: hub.url, token: GOOD });
    expect(info.private).toBe(true);
  });

  it("a missing revision → NOT_FOUND naming it", async () => {
    await expect(
      resolveRevision({ repo: GATED, endpoint: hub.url, revision: "no-such-branch" }),
    ).rejects.toSatisfy(
      (e) => isAtlasError(e, "NOT_FOUND") && e.message.includes("no such revision 'no-such-branch'"),
    );
  });

  it("revisions with slashes (refs/pr/1) are encoded and resolved", async () => {
    hub.addRepo({
      id: "mock-org/With-PR",
      commits: [{ refs: ["refs/pr/1"], files: checkpointFiles(6) }, { files: checkpointFiles(7) }],
    });
    const cache = await scratchDir("pr");
    const result = await downloadSnapshot(
      options(cache, { repo: "mock-org/With-PR", revision: "refs/pr/1" }),
    );
    expect(result.sha).toBe(hub.repo("mock-org/With-PR").refs.get("refs/pr/1"));
    const { readFile } = await import("node:fs/promises");
    expect(await readFile(join(cache, "models--mock-org--With-PR", "refs", "refs", "pr", "1"), "utf8")).toBe(
      result.sha,
    );
  });
});
