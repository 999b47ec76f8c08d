/**
 * The mock hub's routes (see mock-hub.ts for what they answer): model/dataset API, `resolve` with the
 * hub's redirects, the presigned CDN, renamed repos. Kept apart from the server plumbing and the test
 * controls in mock-hub.ts.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { MockCdnSigner } from "./mock-hub-cdn.js";
import { sendFileContent, type ContentFaults } from "./mock-hub-content.js";
import { treeEntries, type ServedFile, type ServedRepo } from "./mock-hub-repo.js";
import type { MockRequest } from "./mock-hub.js";

/** What the routes need from the running mock. */
export interface HubRouteContext {
  repos: Map<string, ServedRepo>;
  /** The repos a token may read, or undefined for an unknown or expired token. */
  grants(token: string): string[] | undefined;
  signer: MockCdnSigner;
  faults: ContentFaults;
  pageSize: number;
  relativeRedirects: boolean;
  compress: boolean;
  /** The URLs it hands out (known once listening). */
  urls(): { hub: string; cdn: string };
}

/** The real hub's answer for an unknown, revoked or expired token. */
export const INVALID_CREDENTIALS = "Invalid credentials in Authorization header";

/** A JSON answer. */
export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}

/** An error as the hub answers it: JSON body plus X-Error-Code / X-Error-Message. */
export function hubError(
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

/** The route handlers over `ctx`. */
export function hubRoutes(ctx: HubRouteContext) {
  const findRepo = (id: string, type?: "model" | "dataset"): ServedRepo | undefined =>
    [...ctx.repos.values()].find(
      (r) => r.id.toLowerCase() === id.toLowerCase() && (type === undefined || r.type === type),
    );
  const renamedFrom = (id: string): ServedRepo | undefined =>
    [...ctx.repos.values()].find((r) => r.formerIds.some((f) => f.toLowerCase() === id.toLowerCase()));

  const sendContent = (
    req: IncomingMessage,
    res: ServerResponse,
    file: ServedFile,
    headers: Record<string, string>,
  ): void => sendFileContent(req, res, file, headers, ctx.faults, { compress: ctx.compress });

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
    const granted_ = token === undefined ? undefined : ctx.grants(token);
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
          `Access to model ${repo.id} is restricted and you are not in the authorized list. Visit ${ctx.urls().hub}/${repo.id} to ask for access.`,
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
      const page = all.slice(cursor, cursor + ctx.pageSize);
      const headers: Record<string, string> = {};
      if (cursor + ctx.pageSize < all.length) {
        const next = new URL(`${url.pathname}${url.search}`, ctx.urls().hub);
        next.searchParams.set(
          "cursor",
          Buffer.from(JSON.stringify({ file: cursor + ctx.pageSize })).toString("base64url"),
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
      const location = ctx.signer.sign(ctx.urls().cdn, file.sha256, path);
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
    if (ctx.relativeRedirects && cacheRoute === null) {
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
    const path = m === null ? undefined : ctx.signer.check(req, res, url);
    if (m === null) {
      res.writeHead(404, { "content-type": "application/xml" }).end("<Error><Code>NoSuchKey</Code></Error>");
      return;
    }
    if (path === undefined) return;
    const file = [...ctx.repos.values()]
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

  return { findRepo, handleApi, handleResolve, handleCdn, renameRedirect };
}
