/**
 * Request guards: API key (Bearer, compared in constant time), browser origins (CORS allow-list; a
 * browser request from any other origin is refused, so a web page cannot drive a local server with
 * "simple" cross-site POSTs), the Host header on loopback servers (DNS rebinding), and the body size.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { AtlasError } from "../core/index.js";
import type { AppEnv } from "./app-context.js";
import { errorResponse } from "./errors.js";

/** Headers browsers may send (the openai-node set included). */
const ALLOWED_HEADERS = [
  "Authorization",
  "Content-Type",
  "User-Agent",
  "Accept",
  "X-Requested-With",
  "OpenAI-Beta",
  "X-Stainless-Lang",
  "X-Stainless-Package-Version",
  "X-Stainless-OS",
  "X-Stainless-Arch",
  "X-Stainless-Runtime",
  "X-Stainless-Runtime-Version",
  "X-Stainless-Retry-Count",
  "X-Stainless-Timeout",
];

/** Host names a loopback server answers to. */
export const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "::1", "[::1]"];

/** Is `host` (an address to bind) a loopback address? */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(?:\.\d{1,3}){3}$/.test(h);
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** Compares two secrets in time independent of where they differ (hashes: equal lengths). */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Requires `Authorization: Bearer <key>` everywhere but `GET /` (the liveness check). */
export function apiKeyGuard(key: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.path === "/" || c.req.method === "OPTIONS") return next();
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (match === null || !sameSecret(match[1]!.trim(), key))
      return errorResponse(
        new AtlasError("AUTH", header === "" ? "this server needs an API key" : "wrong API key", {
          hint: "send Authorization: Bearer <key> (the key given to `atlas serve --api-key`)",
        }),
        dialectOf(c),
      );
    return next();
  };
}

/** The error dialect of a request's route family. */
export function dialectOf(c: Context<AppEnv>): { kind: "ollama" | "openai" } {
  return { kind: c.req.path.startsWith("/v1/") ? "openai" : "ollama" };
}

/**
 * CORS for the allow-listed origins; a request carrying any other `Origin` (browsers send it on
 * cross-site requests) is refused. Same-origin requests (the served web chat) pass.
 */
export function originGuard(origins: readonly string[]): MiddlewareHandler<AppEnv> {
  const allowed = new Set(origins.map((o) => o.replace(/\/+$/, "").toLowerCase()));
  const corsHandler = cors({
    origin: (origin) => (allowed.has(origin.toLowerCase()) ? origin : null),
    allowHeaders: ALLOWED_HEADERS,
    allowMethods: ["GET", "HEAD", "POST", "DELETE", "OPTIONS"],
    exposeHeaders: ["Retry-After", "Retry-After-Ms"],
    maxAge: 600,
  });
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin !== undefined && origin !== "null") {
      const own = `${new URL(c.req.url).protocol}//${c.req.header("host") ?? ""}`.toLowerCase();
      if (origin.toLowerCase() !== own && !allowed.has(origin.toLowerCase()))
        return errorResponse(
          new AtlasError("AUTH", `requests from the web page at ${origin.slice(0, 100)} are not allowed`, {
            hint: "allow it with `atlas serve --cors-origin <origin>`",
            details: { field: "origin" },
          }),
          dialectOf(c),
        );
    }
    return allowed.size === 0 ? next() : corsHandler(c, next);
  };
}

/**
 * On a loopback server, answers only to loopback host names (and `extra`): a DNS-rebinding page that
 * makes the browser call us under its own name is refused.
 */
export function hostGuard(extra: readonly string[]): MiddlewareHandler<AppEnv> {
  const hosts = new Set([...LOOPBACK_HOSTS, ...extra].map((h) => h.toLowerCase()));
  return async (c, next) => {
    const header = (c.req.header("host") ?? "").toLowerCase();
    const name = header.startsWith("[")
      ? header.slice(0, header.indexOf("]") + 1)
      : header.replace(/:\d+$/, "");
    if (
      name !== "" &&
      !hosts.has(name) &&
      !name.endsWith(".localhost") &&
      !/^127(?:\.\d{1,3}){3}$/.test(name)
    )
      return errorResponse(
        new AtlasError("AUTH", `this server answers to localhost only, not to '${name.slice(0, 100)}'`, {
          hint: "bind another address with --host (and an --api-key)",
          details: { field: "host" },
        }),
        dialectOf(c),
      );
    return next();
  };
}

/** Refuses bodies over `maxBytes` with 413. */
export function bodyGuard(maxBytes: number): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      errorResponse(
        new AtlasError("BAD_ARGUMENT", `the request body is larger than ${maxBytes} bytes`, {
          details: { field: "body", limit: maxBytes },
        }),
        dialectOf(c as Context<AppEnv>),
      ),
  });
}
