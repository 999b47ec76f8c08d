/**
 * One log line per request — method, path, model, status, tokens, milliseconds — written when the
 * response has been sent (for a stream: when its last byte went out or the client left), in text or
 * JSON (`--log-format json`). The same moment feeds the request counters and durations of `/metrics`.
 */
import type { MiddlewareHandler } from "hono";
import { note, type AppEnv } from "./app-context.js";
import type { ServerMetrics } from "./metrics.js";

/** Where log lines go and in which format. */
export interface RequestLogOptions {
  write: (line: string) => void;
  format: "text" | "json";
}

/** A finished request as logged. */
export interface RequestLogEntry {
  time: string;
  method: string;
  path: string;
  status: number;
  ms: number;
  model?: string;
  prompt_tokens?: number;
  completion_tokens?: number;
  error?: string;
}

/** Formats one entry. */
export function formatLogEntry(entry: RequestLogEntry, format: "text" | "json"): string {
  if (format === "json") return JSON.stringify(entry);
  const parts = [entry.time, entry.method, entry.path, String(entry.status), `${entry.ms}ms`];
  if (entry.model !== undefined) parts.push(`model=${entry.model}`);
  if (entry.prompt_tokens !== undefined || entry.completion_tokens !== undefined)
    parts.push(`tokens=${entry.prompt_tokens ?? 0}+${entry.completion_tokens ?? 0}`);
  if (entry.error !== undefined) parts.push(`error=${entry.error}`);
  return parts.join(" ");
}

/** Calls `done` once `body` has been read to its end, failed, or been cancelled. */
function watchBody(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let called = false;
  const finish = (): void => {
    if (!called) {
      called = true;
      done();
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) {
          controller.close();
          finish();
        } else controller.enqueue(next.value);
      } catch (error) {
        controller.error(error);
        finish();
      }
    },
    async cancel(reason) {
      finish();
      await reader.cancel(reason);
    },
  });
}

/** The logging and request-metrics middleware. */
export function requestLog(
  metrics: ServerMetrics,
  options: RequestLogOptions | undefined,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    metrics.started();
    let status = 500;
    const finish = (): void => {
      const ms = performance.now() - started;
      // After next(), routePath is the pattern of the handler that answered ("*" for none).
      const matched = c.req.routePath;
      const route = matched === "*" || matched === "/*" || matched === "" ? "other" : matched;
      metrics.finished(route, c.req.method, status, ms / 1000);
      if (options === undefined) return;
      const info = note(c);
      const entry: RequestLogEntry = {
        time: new Date().toISOString(),
        method: c.req.method,
        path: c.req.path,
        status,
        ms: Math.round(ms),
        ...(info.model === undefined ? {} : { model: info.model }),
        ...(info.promptTokens === undefined ? {} : { prompt_tokens: info.promptTokens }),
        ...(info.completionTokens === undefined ? {} : { completion_tokens: info.completionTokens }),
        ...(info.error === undefined ? {} : { error: info.error }),
      };
      options.write(formatLogEntry(entry, options.format));
    };
    try {
      await next();
    } catch (error) {
      finish();
      throw error;
    }
    status = c.res.status;
    // A stream is done when its last byte is out; any other response is complete already.
    const type = c.res.headers.get("content-type") ?? "";
    const streaming = type.startsWith("application/x-ndjson") || type.startsWith("text/event-stream");
    if (c.res.body === null || !streaming) finish();
    else c.res = new Response(watchBody(c.res.body, finish), c.res);
  };
}
