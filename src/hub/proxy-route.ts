/**
 * Which proxy a hub URL goes through, decided the way Python's huggingface_hub decides it (httpx with
 * `trust_env`): `HTTPS_PROXY` for https:// URLs and `HTTP_PROXY` for http:// ones — never the other
 * scheme's — then `ALL_PROXY`; `NO_PROXY` first, so a listed host is always reached directly. Pure: the
 * dispatcher (hub-dispatcher.ts) and `atlas env` both ask it.
 */
import { isIP } from "node:net";
import { AtlasError } from "../core/index.js";
import { proxyEnv, type ProxyEnv } from "../config/index.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Where one URL's requests go. */
export type ProxyRoute =
  | { kind: "direct"; reason: "no-proxy-set" }
  | { kind: "direct"; reason: "no-proxy-match"; entry: string; variable: string }
  | { kind: "proxy"; proxy: URL; variable: string };

/** One `NO_PROXY` entry, parsed. */
interface NoProxyEntry {
  text: string;
  scheme?: string;
  host: string;
  port?: number;
  /** "exact": the host only; "domain": the host and its subdomains; "subdomains": only below it. */
  match: "exact" | "domain" | "subdomains" | "cidr";
  cidrBits?: number;
}

const DEFAULT_PORTS: Record<string, number> = { "http:": 80, "https:": 443 };

/** Lower-case host without IPv6 brackets. */
function bareHost(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
}

function parseNoProxyEntry(text: string): NoProxyEntry | undefined {
  if (text.includes("://")) {
    try {
      const url = new URL(text);
      return {
        text,
        scheme: url.protocol,
        host: bareHost(url.hostname),
        ...(url.port === "" ? {} : { port: Number(url.port) }),
        match: "exact",
      };
    } catch {
      return undefined;
    }
  }
  const cidr = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text);
  if (cidr?.[1] !== undefined && isIP(cidr[1]) === 4)
    return { text, host: cidr[1], match: "cidr", cidrBits: Math.min(32, Number(cidr[2])) };
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed?.[1] !== undefined)
    return {
      text,
      host: bareHost(bracketed[1]),
      ...(bracketed[2] === undefined ? {} : { port: Number(bracketed[2]) }),
      match: "exact",
    };
  if (isIP(text) === 6) return { text, host: bareHost(text), match: "exact" };
  const withPort = /^(.*):(\d+)$/.exec(text);
  const host = (withPort?.[1] ?? text).toLowerCase();
  const port = withPort?.[2] === undefined ? {} : { port: Number(withPort[2]) };
  if (isIP(host) === 4 || host === "localhost") return { text, host, ...port, match: "exact" };
  // httpx: ".example.com" → only subdomains; "example.com" (or "*.example.com" as curl writes it) → the
  // domain and its subdomains.
  if (host.startsWith("*.")) return { text, host: host.slice(2), ...port, match: "domain" };
  if (host.startsWith(".")) return { text, host: host.slice(1), ...port, match: "subdomains" };
  return { text, host, ...port, match: "domain" };
}

function ipv4Number(ip: string): number {
  return ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

function entryMatches(entry: NoProxyEntry, url: URL): boolean {
  const host = bareHost(url.hostname);
  if (entry.scheme !== undefined && entry.scheme !== url.protocol) return false;
  if (entry.port !== undefined) {
    const port = url.port === "" ? DEFAULT_PORTS[url.protocol] : Number(url.port);
    if (port !== entry.port) return false;
  }
  switch (entry.match) {
    case "exact":
      return host === entry.host;
    case "domain":
      return host === entry.host || host.endsWith(`.${entry.host}`);
    case "subdomains":
      return host.endsWith(`.${entry.host}`);
    case "cidr": {
      if (isIP(host) !== 4) return false;
      const bits = entry.cidrBits ?? 32;
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      return (ipv4Number(host) & mask) >>> 0 === (ipv4Number(entry.host) & mask) >>> 0;
    }
  }
}

/**
 * A proxy variable's value as a URL: `host:port` means `http://host:port` (as in Python); http, https
 * and socks5 proxies are accepted.
 * @throws AtlasError BAD_ARGUMENT naming the variable when the value is not a proxy URL.
 */
export function parseProxyUrl(value: string, variable: string): URL {
  const text = value.includes("://") ? value.trim() : `http://${value.trim()}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AtlasError("BAD_ARGUMENT", `${variable} is not a proxy URL: '${redactUrl(value)}'`, {
      hint: `write it as http://host:port (or http://user:password@host:port), or unset ${variable}`,
    });
  }
  if (!["http:", "https:", "socks5:", "socks:"].includes(url.protocol))
    throw new AtlasError(
      "BAD_ARGUMENT",
      `${variable} names a ${url.protocol} proxy, which atlas cannot use`,
      {
        hint: "use an http://, https:// or socks5:// proxy",
      },
    );
  return url;
}

/**
 * The route of `url` under `env`'s proxy variables (default `process.env`).
 * @example proxyRoute("https://huggingface.co/api/models/x", { HTTPS_PROXY: "http://proxy:3128" })
 *   // { kind: "proxy", proxy: URL("http://proxy:3128"), variable: "HTTPS_PROXY" }
 */
export function proxyRoute(url: string | URL, env: Env | ProxyEnv = process.env): ProxyRoute {
  const target = typeof url === "string" ? new URL(url) : url;
  const proxies = isProxyEnv(env) ? env : proxyEnv(env);
  const forScheme =
    target.protocol === "https:" ? proxies.https : target.protocol === "http:" ? proxies.http : undefined;
  const chosen = forScheme ?? proxies.all;
  if (chosen === undefined) return { kind: "direct", reason: "no-proxy-set" };
  const noProxy = proxies.no;
  if (noProxy !== undefined) {
    const entries = noProxy.url
      .split(",")
      .map((e) => e.trim())
      .filter((e) => e !== "");
    // As curl and httpx: a "*" anywhere in the list turns every proxy off.
    if (entries.includes("*"))
      return { kind: "direct", reason: "no-proxy-match", entry: "*", variable: noProxy.variable };
    for (const text of entries) {
      const entry = parseNoProxyEntry(text);
      if (entry !== undefined && entryMatches(entry, target))
        return { kind: "direct", reason: "no-proxy-match", entry: text, variable: noProxy.variable };
    }
  }
  return { kind: "proxy", proxy: parseProxyUrl(chosen.url, chosen.variable), variable: chosen.variable };
}

function isProxyEnv(value: Env | ProxyEnv): value is ProxyEnv {
  return Object.values(value).some((v) => typeof v === "object" && v !== null);
}

/** A URL with its password (and a user name that looks like a token) replaced by `***`, for display. */
export function redactUrl(value: string | URL): string {
  try {
    const url = new URL(typeof value === "string" && !value.includes("://") ? `http://${value}` : value);
    if (url.password !== "") url.password = "***";
    else if (url.username !== "") url.username = "***";
    const text = url.href;
    return typeof value === "string" && !value.includes("://") ? text.replace(/^http:\/\//, "") : text;
  } catch {
    // Not a URL: hide everything between "//" and "@", the usual place of credentials.
    return String(value).replace(/\/\/[^@/]*@/, "//***@");
  }
}

/** `proxyRoute` in words, for `atlas env` and error messages. */
export function describeRoute(route: ProxyRoute): string {
  if (route.kind === "proxy") return `through the proxy ${redactUrl(route.proxy)} (${route.variable})`;
  if (route.reason === "no-proxy-match") return `directly (${route.variable} lists '${route.entry}')`;
  return "directly (no proxy variable set)";
}
