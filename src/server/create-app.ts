/**
 * `createApp(options)`: the whole server as a Hono app (`fetch(Request) → Response`) — Ollama's API,
 * OpenAI's API and `/metrics` in front of one backend (models run here, or an OpenAI-compatible server
 * upstream). The Node listener (`atlas serve`) is a thin adapter around `app.fetch`; tests call
 * `app.request()` without a port.
 */
import { Hono } from "hono";
import { loadModel, type AtlasLoadOptions } from "../api/index.js";
import { atlasHome as defaultAtlasHome } from "../config/index.js";
import { AtlasError } from "../core/index.js";
import type { AppEnv, ServerContext } from "./app-context.js";
import type { Backend } from "./backend.js";
import { errorResponse, methodNotAllowed, unknownRoute } from "./errors.js";
import { apiKeyGuard, bodyGuard, dialectOf, hostGuard, originGuard } from "./guards.js";
import { LocalBackend } from "./local-backend.js";
import { ServerMetrics } from "./metrics.js";
import { ModelCatalog, type ConfiguredModel } from "./model-catalog.js";
import { DEFAULT_KEEP_ALIVE_MS, ModelManager } from "./model-manager.js";
import { registerOllamaRoutes } from "./ollama/routes.js";
import { registerOpenAIRoutes } from "./openai/routes.js";
import { requestLog, type RequestLogOptions } from "./request-log.js";
import { UpstreamBackend, type UpstreamOptions } from "./upstream/upstream-backend.js";
import { tokenizerRoutes } from "./vllm/tokenize-routes.js";
import { createWebChat } from "./ui/index.js";

/** Default largest request body: 32 MiB (a long conversation is a few MB). */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Options of {@link createApp}. */
export interface CreateAppOptions {
  /** Models served by these names (`atlas serve --model`); the store's models are served too. */
  models?: ConfiguredModel[];
  /** How models load: sequences (`--parallel`), maxQueue, contextSize, batchInvariant, threads, gpu …; `engine` for tests. */
  loadOptions?: AtlasLoadOptions;
  /** Environment: ATLAS_HOME (the store), HF_* for pulls. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** keep_alive of requests that give none, in ms (negative = forever). Default 5 minutes. */
  keepAliveMs?: number;
  /** Models loaded at once at most. Default 3. */
  maxLoadedModels?: number;
  /** Bytes of model files loaded at once at most (one model always loads). Default unlimited. */
  memoryBudgetBytes?: number;
  /** Require `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Browser origins allowed to call the API (CORS). Default none. */
  corsOrigins?: string[];
  /**
   * Host names the server answers to besides loopback ones, or "any" (a server bound to a non-loopback
   * address). Default: loopback names only (DNS-rebinding guard).
   */
  allowedHosts?: string[] | "any";
  /** Largest request body in bytes. Default 32 MiB. */
  maxBodyBytes?: number;
  /** Serve in front of an OpenAI-compatible server instead of loading models here. */
  upstream?: UpstreamOptions;
  /** One line per request. Default: no log. */
  log?: RequestLogOptions;
  /** Debug lines (e.g. the unknown request fields that were ignored). Default: none. */
  debugLog?: (line: string) => void;
  /** fetch for pulls (tests). */
  fetch?: typeof fetch;
}

/** The app and its controls. */
export interface AtlasApp extends Hono<AppEnv> {
  readonly atlas: {
    backend: Backend;
    metrics: ServerMetrics;
    /**
     * Stops taking requests (503), waits up to `graceMs` for in-flight ones, aborts the rest, unloads
     * every model.
     */
    shutdown(graceMs?: number): Promise<void>;
  };
}

function localBackend(options: CreateAppOptions, metrics: ServerMetrics): Backend {
  const env = options.env ?? process.env;
  const home = defaultAtlasHome(env);
  const configured = options.models ?? [];
  const catalog = new ModelCatalog(configured, home);
  const loadOptions: AtlasLoadOptions = { ...options.loadOptions, env };
  const manager = new ModelManager({
    catalog,
    load: (path) => loadModel(path, loadOptions),
    keepAliveMs: options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS,
    ...(options.maxLoadedModels === undefined ? {} : { maxLoaded: options.maxLoadedModels }),
    ...(options.memoryBudgetBytes === undefined ? {} : { memoryBudgetBytes: options.memoryBudgetBytes }),
    pinned: configured.map((m) => m.name),
  });
  return new LocalBackend({
    catalog,
    manager,
    metrics,
    atlasHome: home,
    env,
    fetch: options.fetch,
  });
}

/**
 * Builds the server app.
 * @example
 * const app = createApp({ models: [{ name: "atlas", path: "model.gguf" }] });
 * const res = await app.request("/api/tags");
 */
export function createApp(options: CreateAppOptions = {}): AtlasApp {
  const metrics = new ServerMetrics();
  const backend =
    options.upstream === undefined ? localBackend(options, metrics) : new UpstreamBackend(options.upstream);
  const stopping = new AbortController();
  let draining = false;
  const context: ServerContext = {
    backend,
    metrics,
    shutdown: stopping.signal,
    keepAliveMs: options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS,
    debug: options.debugLog,
  };
  const app = new Hono<AppEnv>();
  app.use(requestLog(metrics, options.log));
  app.use(async (c, next) => {
    if (!draining) return next();
    return errorResponse(
      new AtlasError("UNLOADED", "the server is shutting down", { details: { retryAfterMs: 5000 } }),
      dialectOf(c),
    );
  });
  if (options.allowedHosts !== "any") app.use(hostGuard(options.allowedHosts ?? []));
  app.use(originGuard(options.corsOrigins ?? []));
  const webChat = createWebChat({ env: options.env ?? process.env });
  app.use(webChat.assets); // the page's own files are public: before the API key
  if (options.apiKey !== undefined) app.use(apiKeyGuard(options.apiKey));
  app.use(bodyGuard(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));

  app.route("/", webChat.routes); // before Ollama's "/": browsers get the page, other clients fall through
  registerOllamaRoutes(app, context);
  registerOpenAIRoutes(app, context);
  app.route("/", tokenizerRoutes(context));
  app.get("/metrics", (c) =>
    c.text(metrics.render(backend.usage()), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    }),
  );
  // Known paths asked with another method: 405 (as Ollama answers).
  const methods = new Map<string, Set<string>>();
  for (const r of app.routes) {
    if (r.method === "ALL") continue;
    let set = methods.get(r.path);
    if (set === undefined) methods.set(r.path, (set = new Set()));
    set.add(r.method);
  }
  for (const [path, allowed] of methods)
    app.all(path, (c) => methodNotAllowed(c.req.method, c.req.path, [...allowed]));
  app.notFound((c) => unknownRoute(c.req.method, c.req.path));
  app.onError((error, c) => errorResponse(error, dialectOf(c)));

  const shutdown = async (graceMs = 5000): Promise<void> => {
    draining = true;
    const deadline = Date.now() + graceMs;
    // Every request but this wait's own caller: streams end when their last byte is written.
    while (metrics.inFlightRequests > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    stopping.abort(new AtlasError("UNLOADED", "the server is shutting down"));
    await backend.close();
    webChat.close();
  };
  return Object.assign(app, { atlas: { backend, metrics, shutdown } });
}
