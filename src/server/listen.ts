/**
 * The Node listener around an app: @hono/node-server on a host and port, Nagle off (each NDJSON line /
 * SSE event leaves at once), and a close that stops accepting, drains the app, then ends connections.
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import type { AtlasApp } from "./create-app.js";

/** A listening server. */
export interface ListeningServer {
  /** `http://host:port` (IPv6 hosts in brackets). */
  url: string;
  host: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, aborts the rest, unloads models. */
  close(graceMs?: number): Promise<void>;
}

/** Options of {@link listen}. */
export interface ListenOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 11434; 0 picks a free port. */
  port?: number;
}

/** Serves `app` over HTTP. */
export async function listen(app: AtlasApp, options: ListenOptions = {}): Promise<ListeningServer> {
  const host = options.host ?? "127.0.0.1";
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 11434 }) as Server;
    s.once("listening", () => resolve(s));
    s.once("error", reject);
  });
  server.on("connection", (socket) => socket.setNoDelay(true));
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shown}:${address.port}`,
    host: address.address,
    port: address.port,
    close(graceMs = 5000) {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await app.atlas.shutdown(graceMs);
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}
