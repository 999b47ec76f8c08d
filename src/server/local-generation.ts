/**
 * One generation on a locally loaded model: the prompt built from the request (chat template, raw text or
 * token ids, Ollama's `context` first), the request's limits checked against the model, the engine's
 * stream mapped to backend deltas with token texts, and the lease on the model held until the engine has
 * really finished (an aborted request frees its slot before the lease ends).
 */
import type { AtlasModel } from "../api/index.js";
import { AtlasError, type GenerateOptions } from "../core/index.js";
import type { GenerationChunk, GenerationResult } from "../engine/index.js";
import type {
  Generation,
  GenerationDelta,
  GenerationRequest,
  GenerationSummary,
  PromptInput,
  TokenLogprob,
} from "./backend.js";
import { JSON_OBJECT_GRAMMAR, jsonSchemaToGbnf } from "./json-schema-to-gbnf.js";
import type { ServerMetrics } from "./metrics.js";
import type { ModelLease } from "./model-manager.js";

const MS_TO_NS = 1_000_000;

/** Text and bytes of one token (special tokens spelled out, e.g. `<end_of_turn>`). */
export function tokenLogprob(model: AtlasModel, token: number, logprob: number): TokenLogprob {
  const text = model.detokenize([token], { special: true });
  return { token: text, bytes: [...Buffer.from(text, "utf8")], logprob };
}

function withoutBos(model: AtlasModel, tokens: number[]): number[] {
  return tokens[0] !== undefined && tokens[0] === model.info.tokens.bos ? tokens.slice(1) : tokens;
}

/** The token ids of a prompt. */
export function promptTokens(model: AtlasModel, input: PromptInput): number[] {
  if (input.kind === "tokens") return input.tokens;
  const own =
    input.kind === "messages"
      ? model.applyChatTemplate(input.messages, { tokenize: true })
      : model.promptTokens(input.text);
  if (input.prefix === undefined || input.prefix.length === 0) return own;
  return [...input.prefix, ...withoutBos(model, own)];
}

/** Contract options for the engine: grammar from the format, the request's context limits applied. */
export function engineOptions(
  model: AtlasModel,
  request: GenerationRequest,
  prompt: readonly number[],
): GenerateOptions {
  const options: GenerateOptions = { ...request.options };
  const context = model.info.contextSize;
  const limit = request.contextLimit ?? context;
  if (limit > context)
    throw new AtlasError(
      "BAD_ARGUMENT",
      `num_ctx ${limit} is larger than the ${context} tokens each request gets on this server`,
      { hint: "start the server with a larger --ctx-size, or ask for less", details: { field: "num_ctx" } },
    );
  if (prompt.length >= limit)
    throw new AtlasError(
      "CONTEXT_OVERFLOW",
      `the prompt is ${prompt.length} tokens but the context holds ${limit} (and the reply needs room too)`,
      {
        hint: "shorten the conversation, or start the server with a larger --ctx-size",
        details: { field: "prompt", limit: limit - 1, actual: prompt.length },
      },
    );
  if (limit < context) {
    const room = limit - prompt.length;
    options.maxTokens = Math.min(options.maxTokens ?? room, room);
  }
  if (request.repeatLastNWholeContext === true) options.repeatLastN = limit;
  if (request.format?.kind === "json") options.grammar = JSON_OBJECT_GRAMMAR;
  else if (request.format?.kind === "schema") options.grammar = jsonSchemaToGbnf(request.format.schema);
  return options;
}

/** Runs `request` on a leased model. The lease is released once the engine's result settles. */
export function startLocalGeneration(params: {
  lease: ModelLease;
  request: GenerationRequest;
  signal: AbortSignal;
  startedAt: number;
  metrics: ServerMetrics;
}): Generation {
  const { lease, request, signal, startedAt, metrics } = params;
  const model = lease.model;
  let stream: ReturnType<AtlasModel["engineModel"]["generate"]>;
  let prompt: number[];
  try {
    prompt = promptTokens(model, request.input);
    stream = model.engineModel.generate(prompt, { ...engineOptions(model, request, prompt), signal });
  } catch (error) {
    lease.release(request.keepAliveMs);
    throw error;
  }
  const result: Promise<GenerationSummary> = stream.result.then(
    (r) => summarize(r, prompt, lease.loadMs, startedAt),
    (error: unknown) => {
      throw error;
    },
  );
  // Release only when the engine is done with the slot, however the consumer left.
  void stream.result.then(
    (r) => {
      metrics.tokens(lease.entry.name, r.stats.promptTokens, r.stats.generatedTokens);
      lease.release(request.keepAliveMs);
    },
    () => lease.release(request.keepAliveMs),
  );
  result.catch(() => {});
  let last = performance.now();
  let first = true;
  const deltas = async function* (): AsyncGenerator<GenerationDelta> {
    for await (const chunk of stream) {
      const now = performance.now();
      if (chunk.token >= 0) {
        if (first) metrics.firstToken((now - startedAt) / 1000);
        else metrics.tokenLatency((now - last) / 1000);
        first = false;
        last = now;
      }
      yield delta(model, chunk);
    }
  };
  return { result, [Symbol.asyncIterator]: deltas };
}

function delta(model: AtlasModel, chunk: GenerationChunk): GenerationDelta {
  if (chunk.logprob === undefined || chunk.token < 0) return { text: chunk.text };
  return {
    text: chunk.text,
    logprobs: {
      ...tokenLogprob(model, chunk.token, chunk.logprob),
      top: (chunk.topLogprobs ?? []).map((t) => tokenLogprob(model, t.token, t.logprob)),
    },
  };
}

function summarize(
  r: GenerationResult,
  prompt: readonly number[],
  loadMs: number,
  startedAt: number,
): GenerationSummary {
  return {
    text: r.text,
    finishReason: r.stats.finishReason,
    promptTokens: r.stats.promptTokens,
    completionTokens: r.stats.generatedTokens,
    context: [...prompt, ...r.tokens],
    durations: {
      totalNs: Math.round((performance.now() - startedAt) * MS_TO_NS),
      loadNs: Math.round(loadMs * MS_TO_NS),
      promptNs: Math.round(r.stats.promptMs * MS_TO_NS),
      evalNs: Math.round(r.stats.generationMs * MS_TO_NS),
    },
  };
}
