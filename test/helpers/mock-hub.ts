/**
 * A mock Hugging Face hub on 127.0.0.1 (random ports) speaking the HTTP API that @huggingface/hub,
 * Python's huggingface_hub and our downloader use:
 *
 * - `GET /api/models/{org}/{name}[/revision/{rev}]`: model info with `sha`, `gated`, `private`, `siblings`
 * - `GET /api/models/{org}/{name}/tree/{rev}[/{path}]?recursive=…`: listing, paged with `Link: rel="next"`
 * - `POST /api/models/{org}/{name}/paths-info/{rev}`: `{paths, expand}`
 * - the same for dataset repos under `/api/datasets/…` and `/datasets/{org}/{name}/resolve/…`
 * - `GET|HEAD /{org}/{name}/resolve/{rev}/{path}`: small files answered with a relative 307 to
 *   `/api/resolve-cache/models/{id}/{sha}/{path}` (as the hub does nowadays), which serves them (ETag =
 *   git sha1), gzip-encoded when the client accepts it (chunked, no Content-Length, Range ignored); LFS
 *   files (weights, tokenizer.model, tokenizer.json) answered with 302 to a second "CDN" server (another
 *   origin) whose presigned URL refuses an Authorization header (mock-hub-cdn.ts), with `X-Linked-Etag`
 *   (sha256), `X-Linked-Size`, `X-Repo-Commit`; `Range` → 206 / 416 on both servers
 * - a renamed repo: every route under a former id answers a relative 307 to the new id
 * - errors with `X-Error-Code`: RepoNotFound (401 anonymous / 404), RevisionNotFound, EntryNotFound,
 *   GatedRepo (401 without token, 403 with a token that has not accepted the license); an unknown or
 *   expired token: 401 "Invalid credentials in Authorization header", public repo or not
 * - `RateLimit` / `RateLimit-Policy` on every answer, fixed windows per bucket, 429 past the quota
 *   (mock-hub-rate-limit.ts)
 *
 * With `hostnames`, its URLs use names no resolver knows (`*.invalid`, RFC 6761): only a proxy that maps
 * them (test/helpers/mock-proxy.ts) reaches it, so a direct connection provably fails.
 *
 * Faults for tests: drop the connection mid-file, serve corrupt bytes, answer 429/5xx N times.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { MockCdnSigner } from "./mock-hub-cdn.js";
import type { ContentFaults } from "./mock-hub-content.js";
import { hubError, hubRoutes, json } from "./mock-hub-routes.js";
import { MockRateLimiter, type MockBucket, type MockRateLimit } from "./mock-hub-rate-limit.js";
import { buildServedRepo, type MockRepoOptions, type ServedRepo } from "./mock-hub-repo.js";

export * from "./mock-hub-repo.js";
export type { MockBucket, MockRateLimit, RateLimitRejection } from "./mock-hub-rate-limit.js";

/** One request the mock received. */
export interface MockRequest {
  server: "hub" | "cdn";
  method: string;
  /** Path + query. */
  url: string;
  headers: Record<string, string>;
  /** For resolve/CDN requests: the repo file asked for. */
  file?: string;
  /** True when this request was answered with file bytes (not a redirect or an error). */
  content?: boolean;
  /** When it arrived (ms since the epoch). */
  at: number;
  /** The status it was answered with (set once the answer is sent). */
  status?: number;
}

/** What a token may read. */
export type MockToken = string[] | { repos: string[]; expired?: boolean };

/** Options of {@link startMockHub}. */
export interface MockHubOptions {
  repos?: MockRepoOptions[];
  /**
   * Known tokens → the gated/private repos they may read ("*" = all). Unknown and expired tokens get 401
   * "Invalid credentials", even for public repos (as the real hub answers).
   */
  tokens?: Record<string, MockToken>;
  /** Entries per tree page (default 1000, the real hub's page size is larger; small values test paging). */
  treePageSize?: number;
  /**
   * Answer small files with a 307 to `/api/resolve-cache/models/{id}/{sha}/{path}`, the relative
   * redirect the hub sends nowadays (default true); false serves the bytes from `resolve/` directly.
   */
  relativeRedirects?: boolean;
  /** gzip-encode compressible small files for clients that accept it (default true, as the hub). */
  compress?: boolean;
  /** Quotas per bucket (default: so high that no test reaches them unless it asks). */
  rateLimits?: Partial<Record<MockBucket, MockRateLimit>>;
  /**
   * Host names for the hub and the CDN in the URLs it hands out (e.g. `hub.atlas-mock.invalid`): nothing
   * resolves them, so only a proxy mapping them to 127.0.0.1 reaches the mock.
   */
  hostnames?: { hub: string; cdn: string };
  /** Serve HTTPS with this key and certificate (test/fixtures/tls) instead of plain HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

interface StatusFault {
  status: number;
  remaining: number;
  retryAfter?: string;
  match: (request: MockRequest) => boolean;
}

/** A running mock hub. */
export interface MockHub {
  /** Base URL: use as HF_ENDPOINT. */
  url: string;
  cdnUrl: string;
  /** host → 127.0.0.1:port for a proxy (empty without `hostnames`). */
  hosts: Record<string, string>;
  /** The rate limiter (quotas, `exhaust`, the 429s it sent). */
  rateLimiter: MockRateLimiter;
  requests: MockRequest[];
  /** Content bytes sent per repo file path (both servers). */
  servedBytes: Map<string, number>;
  addRepo(repo: MockRepoOptions): ServedRepo;
  repo(id: string): ServedRepo;
  /** The next `times` content responses for `path` send `afterBytes` bytes, then close the socket. */
  dropConnection(path: string, afterBytes: number, times?: number): void;
  /**
   * The next `times` content responses for `path` send `afterBytes` bytes and then stall: no more bytes,
   * connection kept open (the Content-Length still promises the rest). Resolves when the first stall
   * begins (the bytes are out), so a test can wait for it instead of sleeping.
   */
  stall(path: string, afterBytes: number, times?: number): Promise<void>;
  /** Wait `ms` before sending the bytes of `path` (so concurrent clients overlap), until `reset()`. */
  delayContent(path: string, ms: number): void;
  /** Serve `path` with wrong bytes (same size) from now on, until `reset()`. */
  corrupt(path: string): void;
  /** Answer the next `times` requests matching `match` (default: all) with `status`. */
  failNext(
    status: number,
    times: number,
    options?: { retryAfter?: string; match?: (r: MockRequest) => boolean },
  ): void;
  /** Content requests (resolve on the hub for small files, CDN for LFS) — i.e. actual file downloads. */
  contentRequests(): MockRequest[];
  reset(): void;
  close(): Promise<void>;
}

async function listen(server: Server, scheme: "http" | "https"): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Starts the mock hub and its CDN on two random ports of 127.0.0.1. */
export async function startMockHub(options: MockHubOptions = {}): Promise<MockHub> {
  const repos = new Map<string, ServedRepo>();
  const tokens = options.tokens ?? {};
  const grants = (token: string): string[] | undefined => {
    const entry = tokens[token];
    if (entry === undefined) return undefined;
    if (Array.isArray(entry)) return entry;
    return entry.expired === true ? undefined : entry.repos;
  };
  const signer = new MockCdnSigner();
  const limiter = new MockRateLimiter(options.rateLimits);
  const pageSize = options.treePageSize ?? 1000;
  const requests: MockRequest[] = [];
  const state: ContentFaults = {
    servedBytes: new Map(),
    drops: new Map(),
    corrupted: new Set(),
    delays: new Map(),
    stalls: new Map(),
  };
  let faults: StatusFault[] = [];
  const { findRepo, handleApi, handleResolve, handleCdn, renameRedirect } = hubRoutes({
    repos,
    grants,
    signer,
    faults: state,
    pageSize,
    relativeRedirects: options.relativeRedirects ?? true,
    compress: options.compress ?? true,
    urls: () => ({ hub: hubUrl, cdn: cdnUrl }),
  });

  const handler = (server: "hub" | "cdn") => (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
    const entry: MockRequest = {
      server,
      method: req.method ?? "GET",
      url: `${url.pathname}${url.search}`,
      headers,
      at: Date.now(),
    };
    requests.push(entry);
    res.on("finish", () => (entry.status = res.statusCode));
    if (server === "hub") {
      // Every hub answer says where the bucket stands; past the quota, 429 and nothing else.
      const bucket: MockBucket =
        url.pathname.includes("/resolve/") || url.pathname.startsWith("/api/resolve-cache/")
          ? "resolvers"
          : "api";
      const { headers: limitHeaders, refused } = limiter.take(bucket);
      for (const [k, v] of Object.entries(limitHeaders)) res.setHeader(k, v);
      if (refused) {
        json(res, 429, { error: "You have been rate-limited; you can retry this action later." });
        return;
      }
    }
    const fault = faults.find((f) => f.remaining > 0 && f.match(entry));
    if (fault !== undefined) {
      fault.remaining--;
      hubError(
        res,
        fault.status,
        undefined,
        `mock failure ${fault.status}`,
        fault.retryAfter === undefined ? {} : { "retry-after": fault.retryAfter },
      );
      return;
    }
    const run = async (): Promise<void> => {
      if (server === "cdn") return handleCdn(req, res, url, entry);
      if (renameRedirect(res, url)) return;
      if (url.pathname.startsWith("/api/") && !url.pathname.startsWith("/api/resolve-cache/"))
        return handleApi(req, res, url);
      return handleResolve(req, res, url, entry);
    };
    run().catch((error: unknown) => {
      if (!res.headersSent) hubError(res, 500, undefined, String(error));
      else res.destroy();
    });
  };

  const tls = options.tls;
  const hubServer: Server = tls === undefined ? createServer() : createTlsServer(tls);
  const cdnServer: Server = tls === undefined ? createServer() : createTlsServer(tls);
  hubServer.on("request", handler("hub"));
  cdnServer.on("request", handler("cdn"));
  const scheme = tls === undefined ? "http" : "https";
  const hubLocal = await listen(hubServer, scheme);
  const cdnLocal = await listen(cdnServer, scheme);
  const named = (local: string, host: string | undefined): string =>
    host === undefined ? local : `${scheme}://${host}:${new URL(local).port}`;
  const hubUrl = named(hubLocal, options.hostnames?.hub);
  const cdnUrl = named(cdnLocal, options.hostnames?.cdn);
  const hosts: Record<string, string> =
    options.hostnames === undefined
      ? {}
      : { [options.hostnames.hub]: "127.0.0.1", [options.hostnames.cdn]: "127.0.0.1" };
  for (const repo of options.repos ?? [])
    repos.set(`${repo.type ?? "model"}:${repo.id}`, buildServedRepo(repo));

  return {
    url: hubUrl,
    cdnUrl,
    hosts,
    rateLimiter: limiter,
    requests,
    servedBytes: state.servedBytes,
    addRepo(repo) {
      const served = buildServedRepo(repo);
      repos.set(`${served.type}:${repo.id}`, served);
      return served;
    },
    repo(id) {
      const repo = findRepo(id);
      if (repo === undefined) throw new Error(`mock hub has no repo ${id}`);
      return repo;
    },
    dropConnection(path, afterBytes, times = 1) {
      state.drops.set(path, { afterBytes, remaining: times });
    },
    stall(path, afterBytes, times = 1) {
      return new Promise<void>((resolve) => {
        state.stalls.set(path, { afterBytes, remaining: times, onStall: resolve });
      });
    },
    delayContent(path, ms) {
      state.delays.set(path, ms);
    },
    corrupt(path) {
      state.corrupted.add(path);
    },
    failNext(status, times, opts = {}) {
      faults.push({
        status,
        remaining: times,
        ...(opts.retryAfter === undefined ? {} : { retryAfter: opts.retryAfter }),
        match: opts.match ?? (() => true),
      });
    },
    contentRequests() {
      return requests.filter((r) => r.content === true && r.method === "GET");
    },
    reset() {
      requests.length = 0;
      state.servedBytes.clear();
      state.drops.clear();
      state.corrupted.clear();
      state.delays.clear();
      state.stalls.clear();
      limiter.reset();
      faults = [];
    },
    async close() {
      for (const server of [hubServer, cdnServer]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
