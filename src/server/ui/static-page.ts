/**
 * Serving the built page (`npm run build` → dist/web): hashed files under `/assets/` are immutable for a
 * year, everything else (index.html first) is revalidated on every load (`no-cache` + ETag), so a new
 * build shows at the next reload. `GET /` answers the page only to browsers (`Accept: text/html`);
 * Ollama clients asking `GET /` still get "Ollama is running". Without a build, `/` tells how to make one
 * and the API keeps working.
 */
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Context, MiddlewareHandler, Next } from "hono";
import type { AppEnv } from "../app-context.js";

/** Where `npm run build` puts the page: `<package root>/dist/web` (this file is src|dist/server/ui/…). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL("../../../dist/web/", import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};

/** Hashed build output: never changes under the same name. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * The page's Content-Security-Policy: scripts, styles, fonts and requests only from this server, no
 * plugins, no framing. A reply that slipped markup past the renderer still could not run a script, and
 * an image link in a reply cannot make the browser call another machine.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE_HEADERS = {
  "content-security-policy": PAGE_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** Does the request come from a browser wanting a page? */
export function wantsHtml(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/html\s*(;|,|$)/i.test(accept);
}

async function fileIn(
  root: string,
  path: string,
): Promise<{ file: string; size: number; mtimeMs: number } | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0")) return undefined;
  const base = resolve(root);
  const file = resolve(join(base, decoded));
  if (!file.startsWith(base + sep)) return undefined;
  try {
    const s = await stat(file);
    return s.isFile() ? { file, size: s.size, mtimeMs: s.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

async function send(
  c: Context<AppEnv>,
  found: { file: string; size: number; mtimeMs: number },
  headers: Record<string, string>,
): Promise<Response> {
  const etag = `W/"${found.size.toString(16)}-${Math.floor(found.mtimeMs).toString(16)}"`;
  const common = { etag, ...headers };
  if (c.req.header("if-none-match") === etag) return new Response(null, { status: 304, headers: common });
  const type = CONTENT_TYPES[extname(found.file).toLowerCase()] ?? "application/octet-stream";
  const body = c.req.method === "HEAD" ? null : await readFile(found.file);
  return new Response(body, {
    status: 200,
    headers: { "content-type": type, "content-length": String(found.size), ...common },
  });
}

/** Files of the build besides index.html: hashed `/assets/*`, and top-level ones such as the icon. */
const PAGE_FILE = /^\/(?:assets\/[\w.-]+|[\w-]+\.(?:svg|ico|png|webmanifest|txt))$/;

/** Serves the build's files (`/assets/*` immutable); any other request goes on. */
export function webAssets(root: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const path = c.req.path;
    if ((c.req.method !== "GET" && c.req.method !== "HEAD") || !PAGE_FILE.test(path)) return next();
    const found = await fileIn(root, path);
    if (found === undefined) return next();
    return send(c, found, {
      "cache-control": path.startsWith("/assets/") ? IMMUTABLE : "no-cache",
      "x-content-type-options": "nosniff",
    });
  };
}

/** The page at `/` for browsers; other clients fall through to Ollama's "Ollama is running". */
export function webIndex(root: string): (c: Context<AppEnv>, next: Next) => Promise<Response | void> {
  return async (c, next) => {
    if (!wantsHtml(c.req.header("accept"))) return next();
    const found = await fileIn(root, "/index.html");
    if (found !== undefined) return send(c, found, { "cache-control": "no-cache", ...PAGE_HEADERS });
    return c.html(NOT_BUILT_PAGE, 404, { "cache-control": "no-cache", ...PAGE_HEADERS });
  };
}

/** What `/` shows when the page was never built (a checkout without `npm run build`). */
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>atlas serve — web chat not built</title>
<h1>The web chat is not built</h1>
<p>This server is running and its API works (try <a href="/api/tags">/api/tags</a>), but the chat page
has not been built. In the atlas-chat folder run:</p>
<pre>npm run build</pre>
<p>then reload this page. See docs/web.md.</p>
<p lang="ary" dir="rtl">صفحة الشات ما تبناتش باقي: دير <code dir="ltr">npm run build</code> وعاود حل الصفحة.</p>
</html>
`;
