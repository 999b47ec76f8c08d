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
import { sendFileContent, type ContentFaults } from "./mock-hub-content.js";
import { MockRateLimiter, type MockBucket, type MockRateLimit } from "./mock-hub-rate-limit.js";
import {
  buildServedRepo,
  treeEntries,
  type MockRepoOptions,
  type ServedFile,
  type ServedRepo,
} from "./mock-hub-repo.js";

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

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}

/** The real hub's answer for an unknown, revoked or expired token. */
const INVALID_CREDENTIALS = "Invalid credentials in Authorization header";

function hubError(
  res: ServerResponse,
  status: number,
  code: string | undefined,
  message: string,
  extra: Record<string, string> = {},
): void {
  json(
    res,
    status,
    { error: message },
    { ...extra, ...(code === undefined ? {} : { "x-error-code": code }), "x-error-message": message },
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
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

  const findRepo = (id: string, type?: "model" | "dataset"): ServedRepo | undefined =>
    [...repos.values()].find(
      (r) => r.id.toLowerCase() === id.toLowerCase() && (type === undefined || r.type === type),
    );
  const renamedFrom = (id: string): ServedRepo | undefined =>
    [...repos.values()].find((r) => r.formerIds.some((f) => f.toLowerCase() === id.toLowerCase()));

  const sendContent = (
    req: IncomingMessage,
    res: ServerResponse,
    file: ServedFile,
    headers: Record<string, string>,
  ): void => sendFileContent(req, res, file, headers, state, { compress: options.compress ?? true });

  const bearer = (req: IncomingMessage): string | undefined => {
    const auth = req.headers.authorization;
    return auth?.startsWith("Bearer ") === true ? auth.slice(7) : undefined;
  };

  /** Access checks shared by all repo routes; returns false after answering an error. */
  const access = (
    req: IncomingMessage,
    res: ServerResponse,
    repo: ServedRepo | undefined,
    id: string,
    forContent: boolean,
  ): repo is ServedRepo => {
    const token = bearer(req);
    const granted_ = token === undefined ? undefined : grants(token);
    if (token !== undefined && granted_ === undefined) {
      hubError(res, 401, undefined, INVALID_CREDENTIALS);
      return false;
    }
    const granted = granted_ !== undefined && (granted_.includes("*") || granted_.includes(repo?.id ?? id));
    if (repo === undefined || (repo.private && !granted)) {
      // The real hub answers 401 to anonymous requests for missing repos (it does not reveal private ones).
      hubError(res, token === undefined ? 401 : 404, "RepoNotFound", "Repository not found");
      return false;
    }
    if (forContent && repo.gated && !granted) {
      if (token === undefined)
        hubError(
          res,
          401,
          "GatedRepo",
          `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
        );
      else
        hubError(
          res,
          403,
          "GatedRepo",
          `Access to model ${repo.id} is restricted and you are not in the authorized list. Visit ${hubUrl}/${repo.id} to ask for access.`,
        );
      return false;
    }
    return true;
  };

  const commitFor = (
    res: ServerResponse,
    repo: ServedRepo,
    rev: string,
  ): [string, Map<string, ServedFile>] | undefined => {
    // "HEAD" is the default branch (@huggingface/hub asks for it when no revision is given).
    const sha = repo.refs.get(rev === "HEAD" ? "main" : rev) ?? (repo.commits.has(rev) ? rev : undefined);
    const files = sha === undefined ? undefined : repo.commits.get(sha);
    if (sha === undefined || files === undefined) {
      hubError(res, 404, "RevisionNotFound", `Invalid rev id: ${rev}`);
      return undefined;
    }
    return [sha, files];
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const typed =
      /^\/api\/(models|datasets)\/([^/]+)\/([^/]+)(?:\/(revision|tree|paths-info)\/([^/]+)(?:\/(.*))?)?$/.exec(
        url.pathname,
      );
    if (typed === null) return hubError(res, 404, undefined, "Not Found");
    const [, types, ...rest] = typed;
    const m = [typed[0], ...rest];
    const id = `${decodeURIComponent(m[1] ?? "")}/${decodeURIComponent(m[2] ?? "")}`;
    const repo = findRepo(id, types === "datasets" ? "dataset" : "model");
    if (!access(req, res, repo, id, false)) return;
    const kind = m[3] ?? "revision";
    const rev = decodeURIComponent(m[4] ?? "main");
    const found = commitFor(res, repo, rev);
    if (found === undefined) return;
    const [sha, files] = found;
    if (kind === "revision") {
      return json(res, 200, {
        _id: `mock-${repo.id}`,
        id: repo.id,
        sha,
        private: repo.private,
        gated: repo.gated ? "manual" : false,
        disabled: false,
        downloads: 0,
        likes: 0,
        lastModified: repo.lastModified,
        pipeline_tag: "text-generation",
        library_name: "transformers",
        tags: ["gemma2"],
        siblings: [...files.keys()].map((rfilename) => ({ rfilename })),
      });
    }
    if (kind === "tree") {
      const prefix = m[5] === undefined ? "" : decodeURIComponent(m[5]);
      const all = treeEntries(files, prefix, url.searchParams.get("recursive") === "true");
      // The hub's cursors are opaque (base64 of a position); the Link header is an absolute URL.
      const raw = url.searchParams.get("cursor");
      const cursor =
        raw === null
          ? 0
          : Number((JSON.parse(Buffer.from(raw, "base64url").toString()) as { file?: unknown }).file);
      if (!Number.isInteger(cursor) || cursor < 0) return hubError(res, 400, undefined, "Invalid cursor");
      const page = all.slice(cursor, cursor + pageSize);
      const headers: Record<string, string> = {};
      if (cursor + pageSize < all.length) {
        const next = new URL(`${url.pathname}${url.search}`, hubUrl);
        next.searchParams.set(
          "cursor",
          Buffer.from(JSON.stringify({ file: cursor + pageSize })).toString("base64url"),
        );
        headers["link"] = `<${next.href}>; rel="next"`;
      }
      return json(res, 200, page, headers);
    }
    const body = await readBody(req);
    const paths = (req.headers["content-type"] ?? "").includes("json")
      ? ((JSON.parse(body) as { paths?: string[] }).paths ?? [])
      : new URLSearchParams(body).getAll("paths");
    const entries = paths.flatMap((p) =>
      treeEntries(files, "", true).filter((e) => (e as { path: string }).path === p),
    );
    return json(
      res,
      200,
      entries.map((e) => ({
        ...(e as object),
        lastCommit: { id: sha, title: "mock commit", date: repo.lastModified },
      })),
    );
  };

  const handleResolve = (req: IncomingMessage, res: ServerResponse, url: URL, entry: MockRequest): void => {
    const cacheRoute = /^\/api\/resolve-cache\/models\/([^/]+)\/([^/]+)\/([^/]+)\/(.+)$/.exec(url.pathname);
    const dataset = /^\/datasets\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const m = cacheRoute ?? dataset ?? /^\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (m === null) return hubError(res, 404, undefined, "Not Found");
    const id = `${decodeURIComponent(m[1] ?? "")}/${decodeURIComponent(m[2] ?? "")}`;
    const repo = findRepo(id, dataset === null ? (cacheRoute === null ? "model" : undefined) : "dataset");
    if (!access(req, res, repo, id, true)) return;
    const found = commitFor(res, repo, decodeURIComponent(m[3] ?? ""));
    if (found === undefined) return;
    const [sha, files] = found;
    const path = (m[4] ?? "").split("/").map(decodeURIComponent).join("/");
    const file = files.get(path);
    if (file === undefined) return hubError(res, 404, "EntryNotFound", `${path} does not exist on "${m[3]}"`);
    entry.file = path;
    const common = {
      "x-repo-commit": sha,
      "access-control-expose-headers": "X-Repo-Commit, X-Linked-Etag, X-Linked-Size, ETag",
    };
    if (file.lfs) {
      const location = signer.sign(cdnUrl, file.sha256, path);
      res.writeHead(302, {
        ...common,
        location,
        etag: `"${file.oid}"`,
        "x-linked-etag": `"${file.sha256}"`,
        "x-linked-size": String(file.size),
        "content-length": "0",
      });
      res.end();
      return;
    }
    if ((options.relativeRedirects ?? true) && cacheRoute === null) {
      const location = `/api/resolve-cache/models/${repo.id}/${sha}/${encodeURIComponent(path)}?etag=%22${file.oid}%22`;
      res.writeHead(307, { ...common, location, "content-length": "0" });
      res.end();
      return;
    }
    entry.content = true;
    sendContent(req, res, file, { ...common, etag: `"${file.oid}"` });
  };

  const handleCdn = (req: IncomingMessage, res: ServerResponse, url: URL, entry: MockRequest): void => {
    const m = /^\/repos\/([0-9a-f]{64})$/.exec(url.pathname);
    const path = m === null ? undefined : signer.check(req, res, url);
    if (m === null) {
      res.writeHead(404, { "content-type": "application/xml" }).end("<Error><Code>NoSuchKey</Code></Error>");
      return;
    }
    if (path === undefined) return;
    const file = [...repos.values()]
      .flatMap((r) => [...r.commits.values()])
      .map((files) => files.get(path))
      .find((f) => f !== undefined && f.sha256 === m[1]);
    if (file === undefined) {
      res.writeHead(404, { "content-type": "application/xml" }).end("<Error><Code>NoSuchKey</Code></Error>");
      return;
    }
    entry.file = path;
    entry.content = true;
    sendContent(req, res, file, { etag: `"s3-${file.sha256.slice(0, 32)}"` });
  };

  /** A renamed repo: the same route under the new id, as a relative 307 (what the hub answers). */
  const renameRedirect = (res: ServerResponse, url: URL): boolean => {
    const m =
      /^(\/api\/(?:models|datasets)\/|\/api\/resolve-cache\/models\/|\/datasets\/|\/)([^/]+)\/([^/]+)(\/.*)?$/.exec(
        url.pathname,
      );
    if (m === null) return false;
    const id = `${decodeURIComponent(m[2] ?? "")}/${decodeURIComponent(m[3] ?? "")}`;
    if (findRepo(id) !== undefined) return false;
    const repo = renamedFrom(id);
    if (repo === undefined) return false;
    res.writeHead(307, {
      location: `${m[1] ?? "/"}${repo.id}${m[4] ?? ""}${url.search}`,
      "content-length": "0",
    });
    res.end();
    return true;
  };

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
