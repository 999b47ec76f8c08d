/** Route handlers: an error thrown before the response starts becomes the dialect's error reply. */
import { Hono, type Context } from "hono";
import { note, type AppEnv } from "./app-context.js";
import { asAtlasError, errorResponse, type ErrorDialect } from "./errors.js";

/** A route handler. */
export type Handler = (c: Context<AppEnv>) => Promise<Response>;

/** Wraps handlers of one dialect: thrown errors become its status and body (and are noted for the log). */
export function handlerFor(dialect: ErrorDialect): (fn: Handler) => Handler {
  return (fn) => async (c) => {
    try {
      return await fn(c);
    } catch (error) {
      note(c).error = asAtlasError(error).code;
      return errorResponse(error, dialect);
    }
  };
}

/**
 * A sub-app of one dialect (Ollama at `/`, OpenAI at `/v1`, vLLM's tokenizer routes at `/`): its own
 * `onError` answers anything its handlers throw before a response starts in that dialect's shape.
 */
export function dialectApp(dialect: ErrorDialect): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError((error, c) => {
    note(c).error = asAtlasError(error).code;
    return errorResponse(error, dialect);
  });
  return app;
}
