/** OpenAI's HTTP API on the app: `/v1/models`, `/v1/chat/completions`, `/v1/completions`, `/v1/embeddings`. */
import type { Context, Hono } from "hono";
import { note, requestSignal, type AppEnv, type ServerContext } from "../app-context.js";
import type {
  Backend,
  Generation,
  GenerationDelta,
  GenerationSummary,
  PromptInput,
  PromptScores,
} from "../backend.js";
import { asAtlasError, errorBody, type ErrorDialect } from "../errors.js";
import { handlerFor } from "../route-handler.js";
import { badField, checkKnownFields, optionalString, readJsonObject } from "../json-body.js";
import { parseDimensions, parseEmbeddingInputs } from "../embeddings.js";
import { checkModelName } from "../model-names.js";
import { collectGeneration, generationFrames, streamResponse } from "../streaming.js";
import {
  OPENAI_NAMES,
  parseChatCompletionBody,
  parseCompletionBody,
  type CompletionCall,
  type CompletionPrompt,
} from "./requests.js";
import {
  appendGeneratedLogprob,
  appendPromptLogprobs,
  chatChunk,
  chatCompletion,
  completionChoice,
  completionId,
  completionObject,
  emptyLegacyLogprobs,
  finishReason,
  modelList,
  modelObject,
  unixTime,
  usage,
  type LegacyLogprobs,
  type StreamIdentity,
} from "./responses.js";

const DIALECT: ErrorDialect = { kind: "openai", names: OPENAI_NAMES };
const SSE = "text/event-stream; charset=utf-8";
const event = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;
const DONE = "data: [DONE]\n\n";
/** Prompts of one `/v1/completions` request evaluated at once (they share the engine's batches). */
const PROMPT_CONCURRENCY = 4;

/** Errors before the response become this dialect's status and body. */
const handle = handlerFor(DIALECT);

function errorEvent(error: unknown): string {
  return event(errorBody(asAtlasError(error), DIALECT));
}

async function* prefixed(first: string, rest: AsyncIterable<string>): AsyncGenerator<string> {
  yield first;
  yield* rest;
}

async function chatRoute(c: Context<AppEnv>, context: ServerContext): Promise<Response> {
  const call = parseChatCompletionBody(await readJsonObject(c.req.raw));
  const info = note(c);
  info.model = call.model;
  const generation = await context.backend.generate(call.request, requestSignal(c, context));
  const identity: StreamIdentity = { id: completionId("chatcmpl"), created: unixTime(), model: call.model };
  const record = (s: GenerationSummary): void => {
    info.promptTokens = s.promptTokens;
    info.completionTokens = s.completionTokens;
  };
  if (!call.stream) {
    const { deltas, summary } = await collectGeneration(generation, c.req.raw.signal);
    record(summary);
    const logprobs = call.logprobs
      ? deltas.flatMap((d) => (d.logprobs === undefined ? [] : [d.logprobs]))
      : undefined;
    return Response.json(chatCompletion(identity, deltas.map((d) => d.text).join(""), summary, logprobs));
  }
  const nullUsage = call.includeUsage ? null : undefined;
  const frames = generationFrames(
    generation,
    {
      delta: (d: GenerationDelta) =>
        d.text === "" && d.logprobs === undefined
          ? undefined
          : event(
              chatChunk(
                identity,
                {
                  delta: { content: d.text },
                  finish_reason: null,
                  ...(d.logprobs === undefined ? {} : { logprobs: [d.logprobs] }),
                },
                nullUsage,
              ),
            ),
      end: (s) => {
        record(s);
        const out = [event(chatChunk(identity, { delta: {}, finish_reason: finishReason(s) }, nullUsage))];
        if (call.includeUsage)
          out.push(event(chatChunk(identity, undefined, usage(s.promptTokens, s.completionTokens))));
        out.push(DONE);
        return out;
      },
      error: (e) => {
        info.error = asAtlasError(e).code;
        return errorEvent(e);
      },
    },
    c.req.raw.signal,
  );
  const first = event(
    chatChunk(identity, { delta: { role: "assistant", content: "" }, finish_reason: null }, nullUsage),
  );
  return streamResponse(prefixed(first, frames), SSE);
}

/** A streamed prompt's first steps: its scores (echo) and its running generation. */
interface PromptStart {
  scores: PromptScores | undefined;
  generation: Generation | undefined;
}

/** One prompt of a legacy completion, evaluated to its end. */
interface CompletedPrompt {
  text: string;
  finish: "stop" | "length";
  logprobs: LegacyLogprobs | null;
  promptTokens: number;
  completionTokens: number;
}

function generationInput(prompt: CompletionPrompt): PromptInput {
  return prompt.kind === "text"
    ? { kind: "text", text: prompt.text }
    : { kind: "tokens", tokens: prompt.tokens };
}

async function completePrompt(
  backend: Backend,
  call: CompletionCall,
  prompt: CompletionPrompt,
  signal: AbortSignal,
  clientSignal: AbortSignal,
): Promise<CompletedPrompt> {
  const logprobs = call.logprobs === undefined ? null : emptyLegacyLogprobs();
  let text = "";
  let promptTokens = 0;
  if (call.echo || call.options.maxTokens === 0) {
    const top = call.echo ? call.logprobs : undefined;
    const scores = await backend.scorePrompt({ model: call.model, prompt, top }, signal);
    promptTokens = scores.tokens.length;
    if (call.echo) {
      text = scores.text;
      if (logprobs !== null) appendPromptLogprobs(logprobs, scores, 0);
    }
  }
  if (call.options.maxTokens === 0)
    return { text, finish: "length", logprobs, promptTokens, completionTokens: 0 };
  const generation = await backend.generate(
    { model: call.model, input: generationInput(prompt), options: call.options },
    signal,
  );
  const { deltas, summary } = await collectGeneration(generation, clientSignal);
  for (const d of deltas) {
    if (logprobs !== null && d.logprobs !== undefined)
      appendGeneratedLogprob(logprobs, d.logprobs, text.length);
    text += d.text;
  }
  return {
    text,
    finish: finishReason(summary),
    logprobs,
    promptTokens: summary.promptTokens,
    completionTokens: summary.completionTokens,
  };
}

/** Maps `items` with at most `limit` calls in flight; the first failure aborts the others. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal,
  fn: (item: T, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const inner = new AbortController();
  const combined = AbortSignal.any([signal, inner.signal]);
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, combined);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  } catch (error) {
    inner.abort();
    throw error;
  }
  return out;
}

async function completionsRoute(c: Context<AppEnv>, context: ServerContext): Promise<Response> {
  const call = parseCompletionBody(await readJsonObject(c.req.raw));
  const info = note(c);
  info.model = call.model;
  const signal = requestSignal(c, context);
  const identity: StreamIdentity = { id: completionId("cmpl"), created: unixTime(), model: call.model };
  if (!call.stream) {
    const done = await mapLimited(call.prompts, PROMPT_CONCURRENCY, signal, (p, s) =>
      completePrompt(context.backend, call, p, s, c.req.raw.signal),
    );
    info.promptTokens = done.reduce((n, d) => n + d.promptTokens, 0);
    info.completionTokens = done.reduce((n, d) => n + d.completionTokens, 0);
    const choices = done.map((d, i) => completionChoice(i, d.text, d.finish, d.logprobs));
    return Response.json(
      completionObject(identity, choices, usage(info.promptTokens, info.completionTokens)),
    );
  }
  // Streamed: prompts one after another. The first prompt starts before the response does, so its
  // errors still get a status; a later failure ends the stream with an error event.
  const start = async (prompt: CompletionPrompt): Promise<PromptStart> => {
    const scores =
      call.echo || call.options.maxTokens === 0
        ? await context.backend.scorePrompt(
            { model: call.model, prompt, top: call.echo ? call.logprobs : undefined },
            signal,
          )
        : undefined;
    const generation =
      call.options.maxTokens === 0
        ? undefined
        : await context.backend.generate(
            { model: call.model, input: generationInput(prompt), options: call.options },
            signal,
          );
    return { scores, generation };
  };
  const first = await start(call.prompts[0]!);
  const frames = async function* (): AsyncGenerator<string> {
    const nullUsage = call.includeUsage ? null : undefined;
    const chunk = (
      index: number,
      text: string,
      finish: "stop" | "length" | null,
      lp: LegacyLogprobs | null,
    ): string => event(completionObject(identity, [completionChoice(index, text, finish, lp)], nullUsage));
    let promptTokens = 0;
    let completionTokens = 0;
    try {
      for (const [index, prompt] of call.prompts.entries()) {
        const { scores, generation } = index === 0 ? first : await start(prompt);
        let offset = 0;
        if (scores !== undefined && call.options.maxTokens === 0) promptTokens += scores.tokens.length;
        if (scores !== undefined && call.echo) {
          const lp = call.logprobs === undefined ? null : emptyLegacyLogprobs();
          if (lp !== null) appendPromptLogprobs(lp, scores, 0);
          offset = scores.text.length;
          yield chunk(index, scores.text, null, lp);
        }
        if (generation === undefined) {
          yield chunk(index, "", "length", null);
          continue;
        }
        let summary: GenerationSummary | undefined;
        const writers = {
          delta: (d: GenerationDelta): string | undefined => {
            if (d.text === "" && d.logprobs === undefined) return undefined;
            const lp = call.logprobs === undefined ? null : emptyLegacyLogprobs();
            if (lp !== null && d.logprobs !== undefined) appendGeneratedLogprob(lp, d.logprobs, offset);
            offset += d.text.length;
            return chunk(index, d.text, null, lp);
          },
          end: (s: GenerationSummary): string[] => {
            summary = s;
            return [chunk(index, "", finishReason(s), null)];
          },
          error: (e: unknown): never => {
            throw e;
          },
        };
        for await (const frame of generationFrames(generation, writers, c.req.raw.signal)) yield frame;
        promptTokens += summary?.promptTokens ?? 0;
        completionTokens += summary?.completionTokens ?? 0;
      }
      info.promptTokens = promptTokens;
      info.completionTokens = completionTokens;
      if (call.includeUsage)
        yield event(completionObject(identity, [], usage(promptTokens, completionTokens)));
      yield DONE;
    } catch (error) {
      info.error = asAtlasError(error).code;
      yield errorEvent(error);
    }
  };
  return streamResponse(frames(), SSE);
}

/** Registers every OpenAI route. */
export function registerOpenAIRoutes(app: Hono<AppEnv>, context: ServerContext): void {
  const { backend } = context;
  app.get(
    "/v1/models",
    handle(async (c) => c.json(modelList(await backend.list()))),
  );
  app.get(
    "/v1/models/:model{.+}",
    handle(async (c) => {
      const name = checkModelName(c.req.param("model"));
      note(c).model = name;
      return c.json(modelObject(await backend.show(name)));
    }),
  );
  app.post(
    "/v1/chat/completions",
    handle((c) => chatRoute(c, context)),
  );
  app.post(
    "/v1/completions",
    handle((c) => completionsRoute(c, context)),
  );
  app.post(
    "/v1/embeddings",
    handle(async (c) => {
      const body = await readJsonObject(c.req.raw);
      checkKnownFields(
        body,
        ["model", "input", "encoding_format", "dimensions", "user"],
        "embeddings request",
      );
      const name = checkModelName(body.model);
      const info = note(c);
      info.model = name;
      const inputs = parseEmbeddingInputs(body.input, "input", { tokens: true, dropEmpty: false });
      const format = optionalString(body, "encoding_format") ?? "float";
      if (format !== "float" && format !== "base64")
        throw badField("encoding_format", `encoding_format must be "float" or "base64", got '${format}'`);
      const result = await backend.embed(
        {
          model: name,
          inputs,
          // OpenAI refuses an input longer than the model's context; so do we.
          truncate: false,
          normalize: true,
          dimensions: parseDimensions(body.dimensions),
        },
        requestSignal(c, context),
      );
      info.promptTokens = result.promptTokens;
      return c.json({
        object: "list",
        data: result.embeddings.map((e, index) => ({
          object: "embedding",
          index,
          // base64: the little-endian float32 bytes, as OpenAI sends them (its SDKs ask for this form).
          embedding:
            format === "base64"
              ? Buffer.from(e.buffer, e.byteOffset, e.byteLength).toString("base64")
              : Array.from(e),
        })),
        model: name,
        usage: { prompt_tokens: result.promptTokens, total_tokens: result.promptTokens },
      });
    }),
  );
}
