/**
 * The backend of `atlas serve --upstream openai:<url>`: every generation is sent to an OpenAI-compatible
 * server and streamed back through the same Ollama/OpenAI routes; nothing loads locally. Store
 * operations (pull, delete, copy) do not apply and answer 501.
 */
import { AtlasError } from "../../core/index.js";
import type {
  Backend,
  BackendLoad,
  EmbeddingRequest,
  EmbeddingResult,
  Generation,
  GenerationDelta,
  GenerationRequest,
  GenerationSummary,
  ModelDescription,
  ModelListing,
  PromptScoreRequest,
  PromptScores,
  RunningModel,
} from "../backend.js";
import { checkDimensions, shapeEmbedding } from "../embeddings.js";
import { checkModelName } from "../model-names.js";
import { isAbort, UpstreamClient, type UpstreamOptions } from "./upstream-client.js";
import { upstreamDelta, upstreamGenerationBody } from "./upstream-requests.js";

export type { UpstreamOptions };

const MS_TO_NS = 1_000_000;

interface UpstreamModel {
  id: string;
  created?: number;
}

function notHere(what: string): AtlasError {
  return new AtlasError("UNSUPPORTED", `${what} is not available when serving an upstream server`, {
    hint: "manage models on the upstream server itself",
  });
}

export class UpstreamBackend implements Backend {
  readonly kind = "upstream";
  private readonly client: UpstreamClient;
  private readonly inFlight = new Set<AbortController>();

  constructor(private readonly options: UpstreamOptions) {
    this.client = new UpstreamClient(options);
  }

  /** The upstream model a client's name goes to. */
  private target(name: string): string {
    return this.options.model ?? checkModelName(name);
  }

  /** A request's signal that `close()` can also abort. */
  private track(signal: AbortSignal): { signal: AbortSignal; abort: () => void; done: () => void } {
    const controller = new AbortController();
    this.inFlight.add(controller);
    return {
      signal: AbortSignal.any([signal, controller.signal]),
      abort: () => controller.abort(),
      done: () => this.inFlight.delete(controller),
    };
  }

  async generate(request: GenerationRequest, signal: AbortSignal): Promise<Generation> {
    const started = performance.now();
    const { path, body } = upstreamGenerationBody(request, this.target(request.model));
    const tracked = this.track(signal);
    const events = this.client.events(path, body, tracked.signal);
    // The first event (or the upstream's error status) arrives before the route answers.
    let first: IteratorResult<Record<string, unknown>>;
    try {
      first = await events.next();
    } catch (error) {
      tracked.done();
      throw error;
    }
    let resolve!: (s: GenerationSummary) => void;
    let reject!: (e: unknown) => void;
    const result = new Promise<GenerationSummary>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    result.catch(() => {});
    const deltas = async function* (): AsyncGenerator<GenerationDelta> {
      let text = "";
      let finish: string | undefined;
      let usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
      let pieces = 0;
      let firstAt: number | undefined;
      let completed = false;
      let failure: unknown;
      try {
        for (let next = first; next.done !== true; next = await events.next()) {
          const event = next.value;
          if (typeof event.usage === "object" && event.usage !== null) usage = event.usage;
          for (const choice of (event.choices ?? []) as Record<string, unknown>[]) {
            if (typeof choice.finish_reason === "string") finish = choice.finish_reason;
            const delta = upstreamDelta(choice);
            if (delta.text === "" && delta.logprobs === undefined) continue;
            firstAt ??= performance.now();
            pieces++;
            text += delta.text;
            yield delta;
          }
        }
        completed = true;
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        // Left early or failed: stop the upstream request too.
        if (!completed) tracked.abort();
        await events.return(undefined);
        tracked.done();
        const end = performance.now();
        if (failure !== undefined && !isAbort(failure)) reject(failure);
        else
          resolve({
            text,
            finishReason: !completed ? "abort" : finish === "length" ? "length" : "stop",
            promptTokens: usage?.prompt_tokens ?? 0,
            completionTokens: usage?.completion_tokens ?? pieces,
            context: undefined,
            durations: {
              totalNs: Math.round((end - started) * MS_TO_NS),
              loadNs: 0,
              promptNs: Math.round(((firstAt ?? end) - started) * MS_TO_NS),
              evalNs: Math.round((end - (firstAt ?? end)) * MS_TO_NS),
            },
          });
      }
    };
    return { result, [Symbol.asyncIterator]: deltas };
  }

  async scorePrompt(request: PromptScoreRequest, signal: AbortSignal): Promise<PromptScores> {
    const tracked = this.track(signal);
    try {
      const prompt = request.prompt.kind === "text" ? request.prompt.text : request.prompt.tokens;
      const reply = await this.client.json<{
        choices?: { text?: string; logprobs?: Record<string, unknown> }[];
      }>(
        "/completions",
        { model: this.target(request.model), prompt, echo: true, max_tokens: 0, logprobs: request.top ?? 0 },
        tracked.signal,
      );
      const choice = reply.choices?.[0];
      const lp = choice?.logprobs ?? {};
      const tokens = (lp.tokens ?? []) as string[];
      const values = (lp.token_logprobs ?? []) as (number | null)[];
      const tops = (lp.top_logprobs ?? []) as (Record<string, number> | null)[];
      const offsets = (lp.text_offset ?? []) as number[];
      return {
        text: choice?.text ?? "",
        offsets,
        tokens: tokens.map((token, i) => ({
          id: undefined,
          token,
          logprob: request.top === undefined ? null : (values[i] ?? null),
          top:
            request.top === undefined || tops[i] === null || tops[i] === undefined
              ? null
              : Object.entries(tops[i]).map(([t, logprob]) => ({
                  token: t,
                  logprob,
                  bytes: [...Buffer.from(t)],
                })),
        })),
      };
    } finally {
      tracked.done();
    }
  }

  /**
   * Sends the inputs to the upstream's `/v1/embeddings` (which OpenAI-compatible servers normalise) and
   * cuts/normalises here like the local backend; `truncate` is the upstream's own policy.
   */
  async embed(request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResult> {
    const started = performance.now();
    const tracked = this.track(signal);
    try {
      const reply = await this.client.json<{
        data?: { embedding?: unknown; index?: number }[];
        usage?: { prompt_tokens?: number };
      }>(
        "/embeddings",
        {
          model: this.target(request.model),
          input: request.inputs.map((i) => (i.kind === "text" ? i.text : i.tokens)),
          encoding_format: "float",
        },
        tracked.signal,
      );
      const data = [...(reply.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      if (data.length !== request.inputs.length || !data.every((d) => Array.isArray(d.embedding)))
        throw new AtlasError(
          "NETWORK",
          `the upstream answered ${data.length} embeddings for ${request.inputs.length} inputs`,
          { hint: "check that the upstream model serves embeddings" },
        );
      const embeddings = data.map((d) => Float32Array.from(d.embedding as number[]));
      const size = embeddings[0]?.length ?? 0;
      checkDimensions(request.dimensions, size);
      return {
        embeddings: embeddings.map((e) => shapeEmbedding(e, request)),
        promptTokens: reply.usage?.prompt_tokens ?? 0,
        durations: { totalNs: Math.round((performance.now() - started) * MS_TO_NS), loadNs: 0 },
      };
    } finally {
      tracked.done();
    }
  }

  async load(model: string): Promise<number> {
    await this.show(model);
    return 0;
  }

  unload(model: string): Promise<void> {
    checkModelName(model);
    return Promise.resolve();
  }

  private listing(m: UpstreamModel, name = m.id): ModelListing {
    return {
      name,
      sizeBytes: 0,
      modifiedAt: new Date((m.created ?? 0) * 1000),
      digest: "",
      details: { format: "upstream", family: "", parameterSize: "", quantizationLevel: "" },
    };
  }

  async list(): Promise<ModelListing[]> {
    if (this.options.model !== undefined) return [this.listing({ id: this.options.model })];
    const reply = await this.client.json<{ data?: UpstreamModel[] }>("/models");
    return (reply.data ?? []).filter((m) => typeof m.id === "string").map((m) => this.listing(m));
  }

  async show(model: string): Promise<ModelDescription> {
    const target = this.target(model);
    // From the list: not every server has GET /models/{id} (vLLM has not).
    const reply = await this.client.json<{ data?: UpstreamModel[] }>("/models");
    const m = (reply.data ?? []).find((d) => d.id === target);
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
