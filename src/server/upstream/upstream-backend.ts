/**
 * The backend of `atlas serve --upstream openai:<url>`: every generation is sent to an OpenAI-compatible
 * server through the one wire client (src/wire) and streamed back through the same Ollama/OpenAI routes;
 * nothing loads locally. Answers are checked (a server that ignores `echo` is an error, not zero scores).
 * Store operations (pull, delete, copy) do not apply and answer 501.
 */
import type { z } from "zod";
import { AtlasError, isAtlasError } from "../../core/index.js";
import { GEMMA2_CHAT_TEMPLATE, prepareMessages } from "../../templates/index.js";
import {
  ChatCompletionChunkSchema,
  CompletionSchema,
  DetokenizeResponseSchema,
  EmbeddingsResponseSchema,
  ModelListSchema,
  TokenizerInfoResponseSchema,
  TokenizeResponseSchema,
  type ModelObject,
  type OpenAIClient,
} from "../../wire/index.js";
import type {
  Backend,
  BackendLoad,
  EmbeddingRequest,
  EmbeddingResult,
  Generation,
  GenerationRequest,
  ModelDescription,
  ModelListing,
  PromptScoreRequest,
  PromptScores,
  RunningModel,
  TokenizeInput,
  TokenizeResult,
  TokenizerDescription,
} from "../backend.js";
import { checkDimensions, shapeEmbedding } from "../embeddings.js";
import { checkModelName } from "../model-names.js";
import { proxyError, upstreamClient, type UpstreamOptions } from "./upstream-client.js";
import { upstreamGeneration } from "./upstream-generation.js";
import { upstreamGenerationBody } from "./upstream-requests.js";
import { upstreamPromptScores } from "./upstream-scores.js";

export type { UpstreamOptions };

const MS_TO_NS = 1_000_000;

function notHere(what: string): AtlasError {
  return new AtlasError("UNSUPPORTED", `${what} is not available when serving an upstream server`, {
    hint: "manage models on the upstream server itself",
  });
}

export class UpstreamBackend implements Backend {
  readonly kind = "upstream";
  private readonly client: OpenAIClient;
  private readonly inFlight = new Set<AbortController>();

  constructor(private readonly options: UpstreamOptions) {
    this.client = upstreamClient(options);
  }

  /** The upstream model a client's name goes to. */
  private target(name: string): string {
    return this.options.model ?? checkModelName(name);
  }

  /** Runs `fn` with a signal that `close()` can also abort; upstream errors in the proxy's terms. */
  private async tracked<T>(
    signal: AbortSignal | undefined,
    fn: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    try {
      return await fn(
        signal === undefined ? controller.signal : AbortSignal.any([signal, controller.signal]),
      );
    } catch (error) {
      throw proxyError(error, this.client.baseUrl);
    } finally {
      this.inFlight.delete(controller);
    }
  }

  async generate(request: GenerationRequest, signal: AbortSignal): Promise<Generation> {
    const started = performance.now();
    const { path, body } = upstreamGenerationBody(request, this.target(request.model));
    const controller = new AbortController();
    this.inFlight.add(controller);
    const combined = AbortSignal.any([signal, controller.signal]);
    const schema = path === "/chat/completions" ? ChatCompletionChunkSchema : CompletionSchema;
    const events = this.client.events(path, body, schema, combined);
    try {
      return await upstreamGeneration({
        events,
        started,
        abort: () => controller.abort(),
        done: () => this.inFlight.delete(controller),
        mapError: (error) => proxyError(error, this.client.baseUrl),
      });
    } catch (error) {
      this.inFlight.delete(controller);
      throw proxyError(error, this.client.baseUrl);
    }
  }

  async scorePrompt(request: PromptScoreRequest, signal: AbortSignal): Promise<PromptScores> {
    const prompt = request.prompt.kind === "text" ? request.prompt.text : request.prompt.tokens;
    const answer = await this.tracked(signal, (s) =>
      this.client.json("/completions", CompletionSchema, {
        body: {
          model: this.target(request.model),
          prompt,
          echo: true,
          max_tokens: 0,
          logprobs: request.top ?? 0,
        },
        signal: s,
      }),
    );
    return upstreamPromptScores(answer, request, this.client.baseUrl);
  }

  /**
   * Sends the inputs to the upstream's `/v1/embeddings` (which OpenAI-compatible servers normalise) and
   * cuts/normalises here like the local backend; `truncate` is the upstream's own policy.
   */
  async embed(request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResult> {
    const started = performance.now();
    const reply = await this.tracked(signal, (s) =>
      this.client.json("/embeddings", EmbeddingsResponseSchema, {
        body: {
          model: this.target(request.model),
          input: request.inputs.map((i) => (i.kind === "text" ? i.text : i.tokens)),
          encoding_format: "float",
        },
        signal: s,
      }),
    );
    const data = [...reply.data].sort((a, b) => a.index - b.index);
    if (data.length !== request.inputs.length || !data.every((d) => Array.isArray(d.embedding)))
      throw new AtlasError(
        "NETWORK",
        `the upstream answered ${data.length} float embeddings for ${request.inputs.length} inputs`,
        { hint: "check that the upstream model serves embeddings" },
      );
    const embeddings = data.map((d) => Float32Array.from(d.embedding as number[]));
    checkDimensions(request.dimensions, embeddings[0]?.length ?? 0);
    return {
      embeddings: embeddings.map((e) => shapeEmbedding(e, request)),
      promptTokens: reply.usage?.prompt_tokens ?? 0,
      durations: { totalNs: Math.round((performance.now() - started) * MS_TO_NS), loadNs: 0 },
    };
  }

  async defaultModel(): Promise<string> {
    if (this.options.model !== undefined) return this.options.model;
    const models = await this.list();
    if (models.length === 1) return models[0]!.name;
    throw new AtlasError(
      "BAD_ARGUMENT",
      `model is required: the upstream serves ${models.length} models (${models
        .slice(0, 5)
        .map((m) => m.name)
        .join(", ")})`,
      { details: { field: "model" } },
    );
  }

  /** An upstream route of vLLM's (at the server's root, not under /v1): 404 means the upstream has none. */
  private async root<S extends z.ZodType>(
    path: string,
    schema: S,
    init: { body?: unknown; signal: AbortSignal },
  ): Promise<z.output<S>> {
    try {
      return await this.tracked(init.signal, (s) =>
        this.client.json(path, schema, {
          signal: s,
          root: true,
          ...(init.body === undefined ? {} : { method: "POST", body: init.body }),
        }),
      );
    } catch (error) {
      if (isAtlasError(error, "NOT_FOUND") && !/model/i.test(error.message))
        throw new AtlasError("UNSUPPORTED", `the upstream at ${this.client.rootUrl} has no ${path} route`, {
          hint: "vLLM serves /tokenize, /detokenize and /tokenizer_info (the last with --enable-tokenizer-info-endpoint)",
          cause: error,
        });
      throw error;
    }
  }

  async tokenize(
    model: string,
    input: TokenizeInput,
    withPieces: boolean,
    signal: AbortSignal,
  ): Promise<TokenizeResult> {
    const body: Record<string, unknown> = { model: this.target(model), add_special_tokens: input.addSpecial };
    if (input.kind === "text") body.prompt = input.text;
    else {
      body.messages = prepareMessages(GEMMA2_CHAT_TEMPLATE, input.messages);
      body.add_generation_prompt = input.addGenerationPrompt;
    }
    if (withPieces) body.return_token_strs = true;
    const reply = await this.root("/tokenize", TokenizeResponseSchema, { body, signal });
    return {
      tokens: reply.tokens,
      pieces: reply.token_strs ?? undefined,
      contextLength: reply.max_model_len,
    };
  }

  async detokenize(model: string, tokens: number[], signal: AbortSignal): Promise<string> {
    const reply = await this.root("/detokenize", DetokenizeResponseSchema, {
      body: { model: this.target(model), tokens },
      signal,
    });
    return reply.prompt;
  }

  async tokenizerInfo(_model: string, signal: AbortSignal): Promise<TokenizerDescription> {
    const reply: Record<string, unknown> = await this.root("/tokenizer_info", TokenizerInfoResponseSchema, {
      signal,
    });
    const str = (key: string): string | undefined => {
      const value = reply[key];
      return typeof value === "string" ? value : undefined;
    };
    return {
      bosToken: str("bos_token"),
      eosToken: str("eos_token"),
      addBos: reply.add_bos_token === true,
      contextLength: typeof reply.model_max_length === "number" ? reply.model_max_length : 0,
      chatTemplate: str("chat_template"),
      tokenizerClass: str("tokenizer_class") ?? "upstream",
      extra: reply,
    };
  }

  async load(model: string): Promise<number> {
    await this.show(model);
    return 0;
  }

  unload(model: string): Promise<void> {
    checkModelName(model);
    return Promise.resolve();
  }

  private listing(m: ModelObject, name = m.id): ModelListing {
    return {
      name,
      sizeBytes: 0,
      modifiedAt: new Date((m.created ?? 0) * 1000),
      digest: "",
      details: { format: "upstream", family: "", parameterSize: "", quantizationLevel: "" },
    };
  }

  private models(): Promise<ModelObject[]> {
    return this.tracked(
      undefined,
      async (s) => (await this.client.json("/models", ModelListSchema, { signal: s })).data,
    );
  }

  async list(): Promise<ModelListing[]> {
    if (this.options.model !== undefined) return [this.listing({ id: this.options.model })];
    return (await this.models()).map((m) => this.listing(m));
  }

  async show(model: string): Promise<ModelDescription> {
    const target = this.target(model);
    // From the list: not every server has GET /models/{id} (vLLM has not).
    const m = (await this.models()).find((d) => d.id === target);
    if (m === undefined)
      throw new AtlasError(
        "NOT_FOUND",
        `model '${target}' not found on the upstream server ${this.client.baseUrl}`,
        {
          details: { field: "model" },
        },
      );
    return {
      ...this.listing(m, model),
      template: "",
      parameters: {},
      modelInfo: {
        "general.architecture": "upstream",
        "upstream.url": this.client.baseUrl,
        "upstream.model": target,
      },
      license: "",
      capabilities: ["completion"],
    };
  }

  running(): Promise<RunningModel[]> {
    return Promise.resolve([]);
  }

  pull(): Promise<void> {
    return Promise.reject(notHere("pulling models"));
  }

  remove(): Promise<void> {
    return Promise.reject(notHere("deleting models"));
  }

  copy(): Promise<void> {
    return Promise.reject(notHere("copying models"));
  }

  usage(): BackendLoad {
    return { slots: 0, busySlots: this.inFlight.size, queued: 0, loadedModels: 0 };
  }

  close(): Promise<void> {
    for (const controller of this.inFlight) controller.abort();
    return Promise.resolve();
  }
}
