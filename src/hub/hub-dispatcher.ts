/**
 * The undici dispatcher every hub request (and the CDN download it redirects to) goes through when the
 * environment names a proxy or a CA bundle. Node's `fetch` reads no proxy variable at all; undici's own
 * `EnvHttpProxyAgent` reads them with other rules than Python (HTTP_PROXY for https:// URLs too, no
 * ALL_PROXY, `*` only as the whole list), so the route of each origin is decided by `proxyRoute` — the
 * rules huggingface_hub follows — and the connection made by undici's `ProxyAgent` (CONNECT tunnels for
 * https://, plain forwarding for http:// as curl and httpx do) or `Agent`.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Agent, Dispatcher, ProxyAgent, fetch as undiciFetch } from "undici";
import { AtlasError, errorMessage } from "../core/index.js";
import { caOverride, proxyEnv, type ProxyEnv } from "../config/index.js";
import { parseProxyUrl, proxyRoute, redactUrl } from "./proxy-route.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the PEM certificates of `SSL_CERT_FILE` / `SSL_CERT_DIR`. */
function loadCa(source: { file: string } | { dir: string }): string[] {
  const variable = "file" in source ? "SSL_CERT_FILE" : "SSL_CERT_DIR";
  const where = "file" in source ? source.file : source.dir;
  try {
    const files =
      "file" in source
        ? [source.file]
        : readdirSync(source.dir, { withFileTypes: true })
            .filter((e) => e.isFile() || e.isSymbolicLink())
            .map((e) => join(source.dir, e.name));
    const pems = files
      .map((f) => readFileSync(f, "utf8"))
      .filter((text) => text.includes("-----BEGIN CERTIFICATE-----"));
    if (pems.length === 0) throw new Error("no PEM certificate in it");
    return pems;
  } catch (error) {
    throw new AtlasError("IO", `cannot use the CA certificates of ${variable}: ${errorMessage(error)}`, {
      where,
      cause: error,
      hint: `point ${variable} at PEM certificates, or unset it to use Node's CA store`,
    });
  }
}

/** Routes each origin to a direct `Agent` or to the `ProxyAgent` its route names. */
class RoutingDispatcher extends Dispatcher {
  private readonly direct: Agent;
  private readonly agents = new Map<string, ProxyAgent>();

  constructor(
    private readonly routes: ProxyEnv,
    private readonly ca: string[] | undefined,
  ) {
    super();
    this.direct = new Agent(ca === undefined ? {} : { connect: { ca } });
  }

  private pick(origin: string): Dispatcher {
    const route = proxyRoute(origin, this.routes);
    if (route.kind === "direct") return this.direct;
    const key = route.proxy.href;
    let agent = this.agents.get(key);
    if (agent === undefined) {
      const tls = this.ca === undefined ? {} : { requestTls: { ca: this.ca }, proxyTls: { ca: this.ca } };
      // proxyTunnel false: http:// URLs are forwarded (GET http://host/… to the proxy) like curl and
      // httpx do, since many proxies allow CONNECT only to port 443; https:// always tunnels.
      agent = new ProxyAgent({ uri: key, proxyTunnel: false, ...tls });
      this.agents.set(key, agent);
    }
    return agent;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return this.pick(String(options.origin)).dispatch(options, handler);
  }

  override close(callback: () => void): void;
  override close(): Promise<void>;
  override close(callback?: () => void): Promise<void> | void {
    const done = Promise.all([this.direct.close(), ...[...this.agents.values()].map((p) => p.close())]).then(
      () => undefined,
    );
    if (callback === undefined) return done;
    void done.then(callback);
  }

  override destroy(err: Error | null, callback: () => void): void;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null): Promise<void>;
  override destroy(): Promise<void>;
  override destroy(first?: Error | null | (() => void), second?: () => void): Promise<void> | void {
    const error = typeof first === "function" ? null : (first ?? null);
    const callback = typeof first === "function" ? first : second;
    const done = Promise.all([
      this.direct.destroy(error),
      ...[...this.agents.values()].map((p) => p.destroy(error)),
    ]).then(() => undefined);
    if (callback === undefined) return done;
    void done.then(callback);
  }
}

// One dispatcher per distinct setting for the whole process: connections are pooled across requests
// and pulls instead of a new pool per request.
const dispatchers = new Map<string, RoutingDispatcher>();

/**
 * The dispatcher for hub requests under `env`, or `undefined` when no proxy variable and no CA override
 * is set (then plain `fetch` is used, as before).
 * @throws AtlasError BAD_ARGUMENT for a proxy variable that is not a proxy URL; IO for an unreadable
 *   `SSL_CERT_FILE`.
 */
export function hubDispatcher(env: Env = process.env): Dispatcher | undefined {
  const proxies = proxyEnv(env);
  const ca = caOverride(env);
  if (
    proxies.http === undefined &&
    proxies.https === undefined &&
    proxies.all === undefined &&
    ca === undefined
  )
    return undefined;
  // Fail on a malformed variable now, with its name, rather than on the first request.
  for (const entry of [proxies.http, proxies.https, proxies.all])
    if (entry !== undefined) parseProxyUrl(entry.url, entry.variable);
  const key = JSON.stringify([proxies, ca]);
  let dispatcher = dispatchers.get(key);
  if (dispatcher === undefined) {
    dispatcher = new RoutingDispatcher(proxies, ca === undefined ? undefined : loadCa(ca));
    dispatchers.set(key, dispatcher);
  }
  return dispatcher;
}

/**
 * The fetch to use with {@link hubDispatcher}'s dispatcher: undici's own. Node's built-in fetch is
 * another copy of undici (6.x in Node 20, 8.x in Node 26) whose handler interface need not match the
 * dispatcher's package; the same package's fetch always does.
 */
export const dispatcherFetch = undiciFetch as unknown as typeof fetch;

/** Why a request through a proxy failed, in words, or undefined when the failure was not the proxy's. */
export function proxyFailure(error: unknown, proxy: URL | undefined): string | undefined {
  if (proxy === undefined) return undefined;
  const text = errorChain(error);
  const status = /Proxy response \((\d{3})\)/.exec(text)?.[1] ?? (/\(407\)/.test(text) ? "407" : undefined);
  if (status === "407")
    return `the proxy ${redactUrl(proxy)} asks for credentials (407): put them in the proxy URL, http://user:password@host:port`;
  if (status !== undefined) return `the proxy ${redactUrl(proxy)} refused the connection (${status})`;
  return undefined;
}

function errorChain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    parts.push(errorMessage(current));
    current = typeof current === "object" && "cause" in current ? current.cause : undefined;
  }
  return parts.join(" / ");
}
