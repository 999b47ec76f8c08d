/**
 * A tiny HTTP proxy on 127.0.0.1 (random port), the kind universities and companies put between their
 * users and the internet: `CONNECT host:port` tunnels (how https:// goes through a proxy) and absolute-
 * URI forwarding (`GET http://host/…`, how http:// goes through one). It resolves names only from its
 * own `hosts` table — a mock hub started with `hostnames` is reachable through it and through nothing
 * else — and logs every request that passes, so tests can count what went through it.
 *
 * Optional Basic credentials: without them (or with wrong ones) it answers 407 as real proxies do.
 */
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";

/** One request the proxy handled. */
export interface ProxiedRequest {
  kind: "connect" | "forward";
  /** `host:port` for CONNECT, the absolute URL for forwarding. */
  target: string;
  /** The status the proxy answered (200 for an established tunnel, 407, 502 …). */
  status: number;
  /** The Authorization header it forwarded (forwarding only: a tunnel's content is opaque). */
  authorization?: string;
}

/** Options of {@link startMockProxy}. */
export interface MockProxyOptions {
  /** Names it resolves: host → IP (e.g. `hub.atlas-mock.invalid` → `127.0.0.1`); 127.0.0.1 always works. */
  hosts?: Record<string, string>;
  /** Require `Proxy-Authorization: Basic` with these. */
  credentials?: { user: string; password: string };
}

/** A running proxy. */
export interface MockProxy {
  /** `http://127.0.0.1:<port>`: use as HTTPS_PROXY / HTTP_PROXY. */
  url: string;
  log: ProxiedRequest[];
  close(): Promise<void>;
}

const HOP_BY_HOP = ["proxy-connection", "proxy-authorization", "connection", "keep-alive", "te", "upgrade"];

/** Starts the proxy. */
export async function startMockProxy(options: MockProxyOptions = {}): Promise<MockProxy> {
  const hosts: Record<string, string | undefined> = { "127.0.0.1": "127.0.0.1", ...options.hosts };
  const log: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const expected =
    options.credentials === undefined
      ? undefined
      : `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`).toString("base64")}`;
  const authorized = (req: IncomingMessage): boolean =>
    expected === undefined || req.headers["proxy-authorization"] === expected;

  const server: Server = createServer((req, res) => {
    const target = req.url ?? "";
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      // Not absolute: someone talked to the proxy as if it were the server.
      log.push({ kind: "forward", target, status: 400 });
      res.writeHead(400).end("proxy: absolute URI required");
      return;
    }
    const entry: ProxiedRequest = {
      kind: "forward",
      target,
      status: 0,
      ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }),
    };
    log.push(entry);
    if (!authorized(req)) {
      entry.status = 407;
      res.writeHead(407, { "proxy-authenticate": 'Basic realm="mock"' }).end();
      return;
    }
    const ip = hosts[url.hostname];
    if (ip === undefined || url.protocol !== "http:") {
      entry.status = 502;
      res.writeHead(502).end(`proxy: cannot resolve ${url.hostname}`);
      return;
    }
    const headers = { ...req.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    const upstream = request(
      {
        host: ip,
        port: url.port === "" ? 80 : Number(url.port),
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers,
      },
      (answer) => {
        entry.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      entry.status = 502;
      if (!res.headersSent) res.writeHead(502).end("proxy: upstream failed");
      else res.destroy();
    });
    req.pipe(upstream);
  });

  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? "";
    const entry: ProxiedRequest = { kind: "connect", target, status: 0 };
    log.push(entry);
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    if (!authorized(req)) {
      entry.status = 407;
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="mock"\r\n\r\n',
      );
      return;
    }
    const match = /^(.+):(\d+)$/.exec(target);
    const ip = match?.[1] === undefined ? undefined : hosts[match[1]];
    if (match === null || ip === undefined) {
      entry.status = 502;
      client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
      return;
    }
    const upstream = connect(Number(match[2]), ip, () => {
      entry.status = 200;
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => {
      if (entry.status === 0) {
        entry.status = 502;
        client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
      } else client.destroy();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    log,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
