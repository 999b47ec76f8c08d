/** File bytes as the hub and its CDN send them: Range / 206 / 416, plus the faults tests inject. */
import type { IncomingMessage, ServerResponse } from "node:http";
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

/** Streams `file` honouring `Range` and the faults in `faults`. */
export function sendFileContent(
  req: IncomingMessage,
  res: ServerResponse,
  file: ServedFile,
  headers: Record<string, string>,
  faults: ContentFaults,
): void {
  let content = file.content;
  if (faults.corrupted.has(file.path)) {
    content = Uint8Array.from(content);
    for (let i = 0; i < content.length; i += 97) content[i] = (content[i] ?? 0) ^ 0xff;
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
