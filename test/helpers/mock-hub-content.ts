/**
 * File bytes as the hub and its CDN send them: Range / 206 / 416; compressible text gzip-encoded when the
 * client accepts it (then chunked, with no Content-Length, and Range ignored — as the hub and CloudFront
 * do); plus the faults tests inject.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import type { ServedFile } from "./mock-hub-repo.js";

/** Per-file faults and counters, keyed by repo path. */
export interface ContentFaults {
  /** Content bytes sent per path. */
  servedBytes: Map<string, number>;
  /** Send `afterBytes`, then close the socket, `remaining` more times. */
  drops: Map<string, { afterBytes: number; remaining: number }>;
  /** Serve flipped bytes (same size). */
  corrupted: Set<string>;
  /** Hold the body back this many ms. */
  delays: Map<string, number>;
  /**
   * Send `afterBytes` (under a Content-Length that promises the whole body), then nothing more while
   * keeping the connection open, `remaining` more times; `onStall` fires once the bytes are out.
   */
  stalls: Map<string, { afterBytes: number; remaining: number; onStall: () => void }>;
}

/** Text the hub compresses (JSON, Jinja, Markdown …), by file name. */
export function isCompressible(path: string): boolean {
  return /\.(json|jsonl|txt|md|jinja|py|yaml|yml|csv)$/i.test(path) || path.endsWith(".gitattributes");
}

/** True when the request's Accept-Encoding allows gzip (`gzip;q=0` refuses it). */
function acceptsGzip(req: IncomingMessage): boolean {
  for (const part of (req.headers["accept-encoding"] ?? "").split(",")) {
    const [coding = "", ...params] = part.toLowerCase().split(";");
    if (coding.trim() !== "gzip" && coding.trim() !== "*") continue;
    const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find((v) => v !== undefined);
    return q === undefined || Number(q) > 0;
  }
  return false;
}

/** Streams `file` honouring `Range` and the faults in `faults`. */
export function sendFileContent(
  req: IncomingMessage,
  res: ServerResponse,
  file: ServedFile,
  headers: Record<string, string>,
  faults: ContentFaults,
  options: { compress?: boolean } = {},
): void {
  let content = file.content;
  if (faults.corrupted.has(file.path)) {
    content = Uint8Array.from(content);
    for (let i = 0; i < content.length; i += 97) content[i] = (content[i] ?? 0) ^ 0xff;
  }
  if (options.compress === true && isCompressible(file.path) && acceptsGzip(req)) {
    // The whole file, compressed: a Range is not honoured on an encoded answer.
    const gzipped = gzipSync(content);
    res.writeHead(200, {
      ...headers,
      "content-type": "text/plain; charset=utf-8",
      "content-encoding": "gzip",
      vary: "Accept-Encoding",
    });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    faults.servedBytes.set(file.path, (faults.servedBytes.get(file.path) ?? 0) + content.length);
    res.end(gzipped);
    return;
  }
  const size = content.length;
  let start = 0;
  let end = size - 1;
  let status = 200;
  const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
  if (match?.[1] !== undefined) {
    start = Number(match[1]);
    end = match[2] === undefined || match[2] === "" ? size - 1 : Math.min(size - 1, Number(match[2]));
    if (start >= size) {
      res.writeHead(416, { ...headers, "content-range": `bytes */${size}` });
      res.end();
      return;
    }
    status = 206;
  }
  const body = content.subarray(start, end + 1);
  res.writeHead(status, {
    ...headers,
    "accept-ranges": "bytes",
    "content-type": "application/octet-stream",
    "content-length": String(body.length),
    ...(status === 206 ? { "content-range": `bytes ${start}-${end}/${size}` } : {}),
  });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const count = (n: number): void => {
    faults.servedBytes.set(file.path, (faults.servedBytes.get(file.path) ?? 0) + n);
  };
  const stall = faults.stalls.get(file.path);
  if (stall !== undefined && stall.remaining > 0) {
    stall.remaining--;
    const part = body.subarray(0, stall.afterBytes);
    count(part.length);
    res.write(part, () => stall.onStall());
    return;
  }
  const drop = faults.drops.get(file.path);
  if (drop !== undefined && drop.remaining > 0) {
    drop.remaining--;
    const part = body.subarray(0, drop.afterBytes);
    count(part.length);
    // Flush the bytes, then cut the connection as a flaky network would.
    res.write(part, () => setTimeout(() => res.socket?.destroy(), 20));
    return;
  }
  count(body.length);
  const delay = faults.delays.get(file.path);
  if (delay === undefined) res.end(body);
  else setTimeout(() => res.end(body), delay);
}
