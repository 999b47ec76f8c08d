/** Ollama's HTTP API on the app: routes that read a body, call the backend, and answer in Ollama's JSON. */
import type { Context, Hono } from "hono";
import { AtlasError } from "../../core/index.js";
import { note, requestSignal, type AppEnv, type ServerContext } from "../app-context.js";
import type { Generation } from "../backend.js";
import { asAtlasError, errorBody, type ErrorDialect } from "../errors.js";
import { handlerFor } from "../route-handler.js";
import {
  checkKnownFields,
  optionalBoolean,
  optionalObject,
  optionalString,
  readJsonObject,
  type JsonObject,
} from "../json-body.js";
import { parseDimensions, parseEmbeddingInputs } from "../embeddings.js";
import { checkModelName } from "../model-names.js";
import { collectGeneration, generationFrames, streamResponse } from "../streaming.js";
import { modelField, parseChatBody, parseGenerateBody, type OllamaGenerateCall } from "./requests.js";
import { finalChunk, loadReply, psReply, showReply, streamChunk, tagsReply } from "./responses.js";
import { parseKeepAlive } from "./keep-alive.js";
import { mapOllamaOptions, OLLAMA_OPTION_NAMES } from "./options.js";

/** The Ollama API version reported by `/api/version`: the one whose fields we implement (logprobs). */
export const OLLAMA_API_VERSION = "0.12.11";

const DIALECT: ErrorDialect = { kind: "ollama", names: OLLAMA_OPTION_NAMES };
const NDJSON = "application/x-ndjson";

const line = (value: unknown): string => `${JSON.stringify(value)}\n`;

/** Errors before the response become this dialect's status and body. */
const handle = handlerFor(DIALECT);

async function loadOrUnload(
  context: ServerContext,
  call: OllamaGenerateCall,
  route: "chat" | "generate",
): Promise<Response> {
  if (call.keepAliveMs === 0) {
    await context.backend.unload(call.model);
    return Response.json(loadReply(call.model, route, "unload"));
  }
  const loadMs = await context.backend.load(call.model, call.keepAliveMs);
  return Response.json(loadReply(call.model, route, "load", Math.round(loadMs * 1e6)));
}

async function generateRoute(
  c: Context<AppEnv>,
  context: ServerContext,
  route: "chat" | "generate",
): Promise<Response> {
  const body = await readJsonObject(c.req.raw);
  const call = route === "chat" ? parseChatBody(body) : parseGenerateBody(body);
  const info = note(c);
  info.model = call.model;
  if (call.request === undefined) return loadOrUnload(context, call, route);
  const signal = requestSignal(c, context);
  const generation: Generation = await context.backend.generate(call.request, signal);
  const model = call.model;
  const withContext = body.raw !== true;
  const record = (s: { promptTokens: number; completionTokens: number }): void => {
    info.promptTokens = s.promptTokens;
    info.completionTokens = s.completionTokens;
  };
  if (!call.stream) {
    const { deltas, summary } = await collectGeneration(generation, c.req.raw.signal);
    record(summary);
    const text = deltas.map((d) => d.text).join("");
    const logprobs = call.logprobs
      ? deltas.flatMap((d) => (d.logprobs === undefined ? [] : [d.logprobs]))
      : undefined;
    return Response.json(finalChunk(route, model, summary, text, { withContext, logprobs }));
  }
  const frames = generationFrames(
    generation,
    {
      delta: (d) =>
        d.text === "" && d.logprobs === undefined ? undefined : line(streamChunk(route, model, d)),
      end: (s) => {
        record(s);
        return [line(finalChunk(route, model, s, "", { withContext }))];
      },
      error: (e) => {
        info.error = asAtlasError(e).code;
        return line(errorBody(asAtlasError(e), DIALECT));
      },
    },
    c.req.raw.signal,
  );
  return streamResponse(frames, NDJSON);
}

function nameOf(body: JsonObject): string {
  return modelField(body);
}

/** Registers every Ollama route. */
export function registerOllamaRoutes(app: Hono<AppEnv>, context: ServerContext): void {
  const { backend } = context;
  app.on(["GET", "HEAD"], "/", (c) => c.text("Ollama is running"));
  app.on(["GET", "HEAD"], "/api/version", (c) => c.json({ version: OLLAMA_API_VERSION }));
  app.on(
    ["GET", "HEAD"],
    "/api/tags",
    handle(async (c) => c.json(tagsReply(await backend.list()))),
  );
  app.get(
    "/api/ps",
    handle(async (c) => c.json(psReply(await backend.running()))),
  );
  app.post(
    "/api/show",
    handle(async (c) => {
      const body = await readJsonObject(c.req.raw);
      checkKnownFields(body, ["model", "name", "verbose", "system", "template", "options"], "show request");
      const name = nameOf(body);
      note(c).model = name;
      return c.json(showReply(await backend.show(name)));
    }),
  );
  app.post(
    "/api/chat",
    handle((c) => generateRoute(c, context, "chat")),
  );
  app.post(
    "/api/generate",
    handle((c) => generateRoute(c, context, "generate")),
  );
  app.post(
    "/api/embed",
    handle(async (c) => {
      const body = await readJsonObject(c.req.raw);
      checkKnownFields(
        body,
        ["model", "name", "input", "truncate", "options", "keep_alive", "dimensions"],
        "embed request",
      );
      const name = nameOf(body);
      const info = note(c);
      info.model = name;
      // Options are checked like a generation's; none of them changes an embedding.
      mapOllamaOptions(optionalObject(body, "options"));
      const inputs = parseEmbeddingInputs(body.input, "input", { tokens: false, dropEmpty: true });
      const keepAliveMs = parseKeepAlive(body.keep_alive);
      const dimensions = parseDimensions(body.dimensions);
      if (inputs.length === 0) {
        // Nothing to embed: Ollama loads the model and answers no vectors.
        const loadMs = await backend.load(name, keepAliveMs);
        return c.json({ model: name, embeddings: [], load_duration: Math.round(loadMs * 1e6) });
      }
      const result = await backend.embed(
        {
          model: name,
          inputs,
          truncate: optionalBoolean(body, "truncate") ?? true,
          normalize: true,
          dimensions,
          keepAliveMs,
        },
        requestSignal(c, context),
      );
      info.promptTokens = result.promptTokens;
      return c.json({
        model: name,
        embeddings: result.embeddings.map((e) => Array.from(e)),
        total_duration: result.durations.totalNs,
        load_duration: result.durations.loadNs,
        prompt_eval_count: result.promptTokens,
      });
    }),
  );
  // The older route: one prompt, one vector, not normalised (as Ollama answers it).
  app.post(
    "/api/embeddings",
    handle(async (c) => {
      const body = await readJsonObject(c.req.raw);
      checkKnownFields(body, ["model", "name", "prompt", "options", "keep_alive"], "embeddings request");
      const name = nameOf(body);
      const info = note(c);
      info.model = name;
      mapOllamaOptions(optionalObject(body, "options"));
      const prompt = optionalString(body, "prompt") ?? "";
      const keepAliveMs = parseKeepAlive(body.keep_alive);
      if (prompt === "") {
        await backend.load(name, keepAliveMs);
        return c.json({ embedding: [] });
      }
      const result = await backend.embed(
        {
          model: name,
          inputs: [{ kind: "text", text: prompt }],
          truncate: false,
          normalize: false,
          keepAliveMs,
        },
        requestSignal(c, context),
      );
      info.promptTokens = result.promptTokens;
      return c.json({ embedding: Array.from(result.embeddings[0]!) });
    }),
  );
  app.post(
    "/api/pull",
    handle(async (c) => {
      const body = await readJsonObject(c.req.raw);
      checkKnownFields(body, ["model", "name", "insecure", "stream"], "pull request");
      const name = nameOf(body);
      note(c).model = name;
      const stream = optionalBoolean(body, "stream") ?? true;
      const signal = requestSignal(c, context);
      if (!stream) {
        await backend.pull(name, () => {}, signal);
        return c.json({ status: "success" });
      }
      return streamResponse(pullFrames(context, name, signal), NDJSON);
    }),
  );
  app.delete(
    "/api/delete",
    handle(async (c) => {
      const body = await readJsonObject(c.req.raw);
      checkKnownFields(body, ["model", "name"], "delete request");
      const name = nameOf(body);
      note(c).model = name;
      await backend.remove(name);
      return c.body(null, 200);
    }),
  );
  app.post(
    "/api/copy",
    handle(async (c) => {
      const body = await readJsonObject(c.req.raw);
      checkKnownFields(body, ["source", "destination"], "copy request");
      const source = checkModelName(body.source, "source");
      await backend.copy(source, checkModelName(body.destination, "destination"));
      note(c).model = source;
      return c.body(null, 200);
    }),
  );
  for (const path of ["/api/create", "/api/push", "/api/blobs/:digest"])
    app.post(
      path,
      handle(() => {
        throw new AtlasError("UNSUPPORTED", `${path} is not supported by atlas serve`, {
          hint: "models come from the hub: `atlas pull`, or a local checkpoint: `atlas serve --model ./folder`",
        });
      }),
    );
}

/** NDJSON progress lines of a pull, ending with `success` or an error line. */
async function* pullFrames(
  context: ServerContext,
  name: string,
  signal: AbortSignal,
): AsyncGenerator<string> {
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: unknown;
  const push = (value: unknown): void => {
    lines.push(line(value));
    wake?.();
  };
  const pulling = context.backend.pull(name, push, signal).then(
    () => push({ status: "success" }),
    (error: unknown) => {
      failure = error;
    },
  );
  void pulling.finally(() => {
    finished = true;
    wake?.();
  });
  while (true) {
    if (lines.length > 0) {
      yield lines.shift()!;
      continue;
    }
    if (finished) break;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
  if (failure !== undefined) yield line(errorBody(asAtlasError(failure), DIALECT));
}
