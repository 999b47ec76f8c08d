/** What every route handler shares: the backend, metrics, the shutdown signal, per-request notes. */
import type { Context } from "hono";
import type { WireParseOptions } from "../wire/index.js";
import type { Backend } from "./backend.js";
import type { ServerMetrics } from "./metrics.js";

/** What a handler tells the request log about its request. */
export interface RequestNote {
  model?: string;
  promptTokens?: number;
  completionTokens?: number;
  error?: string;
}

/** Hono's environment of the app: per-request variables. */
export interface AppEnv {
  Variables: {
    note: RequestNote;
  };
}

/** The shared state of one app. */
export interface ServerContext {
  backend: Backend;
  metrics: ServerMetrics;
  /** Aborted when the server stops waiting for in-flight requests. */
  shutdown: AbortSignal;
  /** Default keep_alive in ms for routes that report it. */
  keepAliveMs: number;
  /** Debug log lines (unknown request fields that were ignored …); undefined: not logged. */
  debug?: ((line: string) => void) | undefined;
}

/** How a route reads its body: unknown fields are ignored with a debug line naming them. */
export function wireOptions(c: Context<AppEnv>, context: ServerContext): WireParseOptions {
  const debug = context.debug;
  if (debug === undefined) return {};
  return {
    onIgnored: (fields) =>
      debug(
        `debug: ${c.req.method} ${c.req.path} ignored unknown field${fields.length === 1 ? "" : "s"} ${fields.join(", ")}`,
      ),
  };
}

/** The request's note (created on first use). */
export function note(c: Context<AppEnv>): RequestNote {
  let n = c.get("note") as RequestNote | undefined;
  if (n === undefined) c.set("note", (n = {}));
  return n;
}

/** Aborted when the client goes away or the server stops. */
export function requestSignal(c: Context<AppEnv>, context: ServerContext): AbortSignal {
  return AbortSignal.any([c.req.raw.signal, context.shutdown]);
}
