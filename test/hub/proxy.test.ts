/**
 * Downloads through an HTTP proxy, against a mock hub whose host names (`*.atlas-mock.invalid`) no
 * resolver knows: only the proxy reaches it, so a pull that succeeds went through it — hub API calls,
 * the paged listing (absolute Link URLs) and the redirected CDN downloads alike.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isAtlasError } from "../../src/core/index.js";
import { downloadSnapshot, type DownloadSnapshotOptions } from "../../src/hub/index.js";
import { extraRepoFiles, mockFilesFromFolder, startMockHub, type MockHub } from "../helpers/mock-hub.js";
import { startMockProxy, type MockProxy } from "../helpers/mock-proxy.js";
import { runCli } from "../helpers/run-cli.js";
import { spawnCli } from "../helpers/spawn-cli.js";
import { writeGemma2Checkpoint } from "../helpers/tiny-gemma2.js";
import { CHECKPOINT_PATHS, checkpointFiles, scratchDir } from "./fixtures.js";

const REPO = "MBZUAI-Paris/Atlas-Chat-2B";
const TOKEN = "hf_proxy_test_token";
const HOSTNAMES = { hub: "hub.atlas-mock.invalid", cdn: "cdn.atlas-mock.invalid" };
const TLS_DIR = fileURLToPath(new URL("../fixtures/tls/", import.meta.url));
const CA_FILE = join(TLS_DIR, "ca.pem");
const NO_RETRY = { retries: 0 } as const;
const FAST = { retries: 2, baseDelayMs: 1, maxDelayMs: 5 } as const;

let proxies: MockProxy[] = [];
const hubs: MockHub[] = [];

async function hub(options: Parameters<typeof startMockHub>[0] = {}): Promise<MockHub> {
  const started = await startMockHub({ tokens: { [TOKEN]: ["*"] }, treePageSize: 3, ...options });
  started.addRepo({ id: REPO, gated: true, commits: [{ files: checkpointFiles(11) }] });
  hubs.push(started);
  return started;
}

async function proxy(options: Parameters<typeof startMockProxy>[0] = {}): Promise<MockProxy> {
  const started = await startMockProxy(options);
  proxies.push(started);
  return started;
}

async function pull(
  endpoint: string,
  env: Record<string, string>,
  extra: Partial<DownloadSnapshotOptions> = {},
) {
  return downloadSnapshot({
    repo: REPO,
    endpoint,
    token: TOKEN,
    cacheDir: await scratchDir("proxy-cache"),
    env,
    retry: FAST,
    ...extra,
  });
}

afterEach(async () => {
  for (const p of proxies) await p.close();
  proxies = [];
});
afterAll(async () => {
  for (const h of hubs) await h.close();
});

describe("a hub reachable only through a proxy (http://)", () => {
  let mock: MockHub;
  beforeAll(async () => {
    mock = await hub({ hostnames: HOSTNAMES });
  });

  it("cannot be reached directly: the names do not resolve", async () => {
    await expect(pull(mock.url, {}, { retry: NO_RETRY })).rejects.toSatisfy(
      (e) => isAtlasError(e, "NETWORK") && /ENOTFOUND|EAI_AGAIN/.test(e.message),
    );
    expect(mock.requests).toEqual([]);
  });

  it("pulls through HTTP_PROXY: API, paged listing and CDN downloads all pass the proxy", async () => {
    mock.reset();
    const through = await proxy({ hosts: mock.hosts });
    const result = await pull(mock.url, { HTTP_PROXY: through.url });
    expect(result.files.map((f) => f.path).sort()).toEqual(CHECKPOINT_PATHS);
    // http:// is forwarded (absolute URIs), not tunnelled — as curl and Python's httpx do.
    expect(through.log.every((r) => r.kind === "forward")).toBe(true);
    expect(through.log.length).toBe(mock.requests.length);
    const targets = through.log.map((r) => new URL(r.target));
    expect(targets.filter((u) => u.pathname.includes("/tree/")).length).toBeGreaterThan(2);
    expect(targets.filter((u) => u.hostname === HOSTNAMES.cdn).length).toBeGreaterThan(0);
    // The token reached the hub through the proxy, never the CDN (which would refuse it).
    for (const r of through.log)
      expect(r.authorization).toBe(
        new URL(r.target).hostname === HOSTNAMES.hub ? `Bearer ${TOKEN}` : undefined,
      );
    const config = mock.repo(REPO).commits.get(result.sha)?.get("config.json")?.content ?? new Uint8Array();
    expect(await readFile(join(result.folder, "config.json"))).toEqual(Buffer.from(config));
  });

  it("reads the lower-case spelling, and a proxy given as host:port", async () => {
    mock.reset();
    const through = await proxy({ hosts: mock.hosts });
    await pull(mock.url, { http_proxy: through.url.replace("http://", "") });
    expect(through.log.length).toBe(mock.requests.length);
  });

  it("HTTPS_PROXY does not apply to an http:// hub (Python uses HTTP_PROXY or ALL_PROXY for it)", async () => {
    mock.reset();
    const through = await proxy({ hosts: mock.hosts });
    await expect(pull(mock.url, { HTTPS_PROXY: through.url }, { retry: NO_RETRY })).rejects.toSatisfy((e) =>
      isAtlasError(e, "NETWORK"),
    );
    expect(through.log).toEqual([]);
    await pull(mock.url, { ALL_PROXY: through.url });
    expect(through.log.length).toBeGreaterThan(0);
  });

  it("a proxy that wants credentials: they come from the URL; without them a clear error, no retries", async () => {
    mock.reset();
    const guarded = await proxy({ hosts: mock.hosts, credentials: { user: "alice", password: "s3cret" } });
    await pull(mock.url, { HTTP_PROXY: guarded.url.replace("http://", "http://alice:s3cret@") });
    expect(guarded.log.every((r) => r.status !== 407)).toBe(true);
    guarded.log.length = 0;
    const error: unknown = await pull(mock.url, {
      HTTP_PROXY: guarded.url.replace("http://", "http://alice:wrong@"),
    }).catch((e: unknown) => e);
    expect(isAtlasError(error, "NETWORK")).toBe(true);
    expect((error as Error).message).toContain("asks for credentials (407)");
    expect((error as Error).message).not.toContain("wrong");
    expect(guarded.log).toHaveLength(1);
  });

  it("a malformed proxy variable is named", async () => {
    await expect(pull(mock.url, { HTTP_PROXY: "ftp://proxy:21" })).rejects.toSatisfy(
      (e) => isAtlasError(e, "BAD_ARGUMENT") && e.message.includes("HTTP_PROXY"),
    );
  });
});

describe("an https:// hub through a CONNECT tunnel", () => {
  let mock: MockHub;
  beforeAll(async () => {
    mock = await hub({
      hostnames: HOSTNAMES,
      tls: {
        key: readFileSync(join(TLS_DIR, "server.key")),
        cert: readFileSync(join(TLS_DIR, "server.pem")),
      },
    });
  });

  it("pulls through HTTPS_PROXY, trusting the CA of SSL_CERT_FILE", async () => {
    const through = await proxy({ hosts: mock.hosts });
    const result = await pull(mock.url, { HTTPS_PROXY: through.url, SSL_CERT_FILE: CA_FILE });
    expect(result.files.map((f) => f.path).sort()).toEqual(CHECKPOINT_PATHS);
    expect(through.log.length).toBeGreaterThan(0);
    expect(through.log.every((r) => r.kind === "connect" && r.status === 200)).toBe(true);
    const hosts = new Set(through.log.map((r) => r.target.replace(/:\d+$/, "")));
    expect([...hosts].sort()).toEqual([HOSTNAMES.cdn, HOSTNAMES.hub]);
    // The hub saw every request: the tunnel carried them all (connections are reused, so fewer CONNECTs).
    expect(
      mock.requests
        .filter((r) => r.server === "hub")
        .every((r) => r.headers["authorization"] === `Bearer ${TOKEN}`),
    ).toBe(true);
    expect(
      mock.requests.filter((r) => r.server === "cdn").every((r) => r.headers["authorization"] === undefined),
    ).toBe(true);
  });

  it("HTTP_PROXY alone does not apply to https:// (as in Python): direct, and the names do not resolve", async () => {
    const through = await proxy({ hosts: mock.hosts });
    await expect(
      pull(mock.url, { HTTP_PROXY: through.url, SSL_CERT_FILE: CA_FILE }, { retry: NO_RETRY }),
    ).rejects.toSatisfy((e) => isAtlasError(e, "NETWORK") && /ENOTFOUND|EAI_AGAIN/.test(e.message));
    expect(through.log).toEqual([]);
  });

  it("without the CA the tunnel is made but TLS is refused", async () => {
    const through = await proxy({ hosts: mock.hosts });
    await expect(pull(mock.url, { HTTPS_PROXY: through.url }, { retry: NO_RETRY })).rejects.toSatisfy(
      (e) => isAtlasError(e, "NETWORK") && /CERT|certificate|SELF_SIGNED|UNABLE_TO/i.test(e.message),
    );
    expect(through.log.some((r) => r.kind === "connect")).toBe(true);
  });
});

describe("NO_PROXY", () => {
  let mock: MockHub;
  beforeAll(async () => {
    mock = await hub();
  });

  it("a listed host is reached directly: a dead proxy is never contacted", async () => {
    const dead = await proxy();
    const deadUrl = dead.url;
    await dead.close();
    proxies = proxies.filter((p) => p !== dead);
    mock.reset();
    const result = await pull(mock.url, { HTTP_PROXY: deadUrl, NO_PROXY: "example.org, 127.0.0.1" });
    expect(result.files.length).toBe(CHECKPOINT_PATHS.length);
    await expect(pull(mock.url, { HTTP_PROXY: deadUrl, NO_PROXY: "*" })).resolves.toBeDefined();
  });

  it("host:port entries: the CDN's port bypasses the proxy, the hub's goes through it", async () => {
    mock.reset();
    const through = await proxy();
    await pull(mock.url, { HTTP_PROXY: through.url, NO_PROXY: `127.0.0.1:${new URL(mock.cdnUrl).port}` });
    const proxied = through.log.map((r) => new URL(r.target).port);
    expect(proxied.length).toBeGreaterThan(0);
    expect(new Set(proxied)).toEqual(new Set([new URL(mock.url).port]));
    expect(mock.requests.filter((r) => r.server === "cdn").length).toBeGreaterThan(0);
  });

  it("the lower-case no_proxy wins, as in Python", async () => {
    mock.reset();
    const through = await proxy();
    await pull(mock.url, { HTTP_PROXY: through.url, NO_PROXY: "127.0.0.1", no_proxy: "example.org" });
    expect(through.log.length).toBe(mock.requests.length);
  });
});

describe("atlas (the CLI) behind a proxy", () => {
  it("atlas pull, as a real process, downloads through HTTP_PROXY, converts, and exits", async () => {
    const checkpoint = await writeGemma2Checkpoint(join(await scratchDir("proxy-ckpt"), "tiny"), {
      tokenizerJson: true,
    });
    const mock = await startMockHub({ hostnames: HOSTNAMES, tokens: { [TOKEN]: ["*"] } });
    hubs.push(mock);
    mock.addRepo({
      id: REPO,
      gated: true,
      commits: [{ files: [...(await mockFilesFromFolder(checkpoint.dir)), ...extraRepoFiles()] }],
    });
    const through = await proxy({ hosts: mock.hosts });
    const root = await scratchDir("proxy-cli");
    const run = await spawnCli(["pull", "atlas-chat:2b", "-q", "q8_0", "--json"], {
      env: {
        HF_ENDPOINT: mock.url,
        HF_TOKEN: TOKEN,
        HTTP_PROXY: through.url,
        HTTPS_PROXY: undefined,
        NO_PROXY: undefined,
        http_proxy: undefined,
        https_proxy: undefined,
        no_proxy: undefined,
        HF_HUB_CACHE: join(root, "hf"),
        HF_HOME: join(root, "hf-home"),
        ATLAS_HOME: join(root, "atlas"),
      },
      timeoutMs: 120_000,
    });
    expect(run.hung).toBe(false);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ id: REPO, quant: "q8_0", status: "pulled" });
    expect(through.log.length).toBe(mock.requests.length);
  }, 150_000);

  it("atlas env says which proxy the hub is reached through, without its password", async () => {
    const run = await runCli(["env"], {
      env: { HOME: "/home/me", HTTPS_PROXY: "http://alice:s3cret@proxy.corp:3128", NO_PROXY: "localhost" },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "hub        https://huggingface.co, reached through the proxy http://alice:***@proxy.corp:3128/ (HTTPS_PROXY)",
    );
    expect(run.stdout).not.toContain("s3cret");
    const bypassed = await runCli(["env", "--json"], {
      env: { HTTPS_PROXY: "http://proxy.corp:3128", NO_PROXY: ".co", HF_TOKEN: "hf_secret" },
    });
    const rows = JSON.parse(bypassed.stdout) as {
      name: string;
      value: string | null;
      route?: string;
      source?: string;
    }[];
    expect(rows.find((r) => r.name === "HF_ENDPOINT")?.route).toBe("directly (NO_PROXY lists '.co')");
    expect(rows.find((r) => r.name === "HF_TOKEN")).toMatchObject({
      value: "(set)",
      source: "from HF_TOKEN",
    });
    expect(bypassed.stdout).not.toContain("hf_secret");
  });
});
