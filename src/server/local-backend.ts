/** The backend that runs models in this process: the store, the model manager and the engine. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { ModelSummary } from "../api/index.js";
import { AtlasError, validateTokens } from "../core/index.js";
import { pullModel, type PullProgress } from "../store/index.js";
import type {
  Backend,
  BackendLoad,
  EmbeddingRequest,
  EmbeddingResult,
  Generation,
  GenerationRequest,
  ModelDescription,
  ModelDetails,
  ModelListing,
  PromptScoreRequest,
  PromptScores,
  PullStatus,
  RunningModel,
  TokenizeInput,
  TokenizeResult,
  TokenizerDescription,
} from "./backend.js";
import type { ServerMetrics } from "./metrics.js";
import type { CatalogEntry, ModelCatalog } from "./model-catalog.js";
import type { ModelManager } from "./model-manager.js";
import { checkDimensions, shapeEmbedding } from "./embeddings.js";
import { checkModelName, hubNameParts } from "./model-names.js";
import { startLocalGeneration } from "./local-generation.js";
import { scorePromptTokens } from "./prompt-scores.js";

/** Options of {@link LocalBackend}. */
export interface LocalBackendOptions {
  catalog: ModelCatalog;
  manager: ModelManager;
  metrics: ServerMetrics;
  atlasHome: string;
  /** Environment of pulls (HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE …). */
  env: Readonly<Record<string, string | undefined>>;
  /** Injected into pulls (tests). */
  fetch?: typeof fetch | undefined;
}

/** "2.6B", "270M": Ollama's parameter_size. */
export function parameterSize(parameters: number): string {
  if (parameters >= 1e9) return `${(parameters / 1e9).toFixed(1)}B`;
  if (parameters >= 1e6) return `${(parameters / 1e6).toFixed(1)}M`;
  if (parameters >= 1e3) return `${(parameters / 1e3).toFixed(1)}K`;
  return String(parameters);
}

function details(summary: ModelSummary): ModelDetails {
  return {
    format: "gguf",
    family: summary.architecture,
    parameterSize: parameterSize(summary.parameters),
    quantizationLevel: summary.fileType ?? "unknown",
  };
}

export class LocalBackend implements Backend {
  readonly kind = "local";

  constructor(private readonly o: LocalBackendOptions) {}

  async generate(request: GenerationRequest, signal: AbortSignal): Promise<Generation> {
    const startedAt = performance.now();
    const lease = await this.o.manager.acquire(request.model);
    return startLocalGeneration({ lease, request, signal, startedAt, metrics: this.o.metrics });
  }

  async scorePrompt(request: PromptScoreRequest, signal: AbortSignal): Promise<PromptScores> {
    const lease = await this.o.manager.acquire(request.model);
    try {
      return await scorePromptTokens(lease.model, request, signal);
    } finally {
      lease.release(request.keepAliveMs);
    }
  }

  async embed(request: EmbeddingRequest, signal: AbortSignal): Promise<EmbeddingResult> {
    const startedAt = performance.now();
    const lease = await this.o.manager.acquire(request.model);
    try {
      checkDimensions(request.dimensions, lease.model.info.embeddingSize);
      const embeddings: Float32Array[] = [];
      let promptTokens = 0;
      // One at a time: the engine runs embeddings one input at a time anyway.
      for (const input of request.inputs) {
        const r = await lease.model.embed(input.kind === "text" ? input.text : input.tokens, {
          truncate: request.truncate,
          normalize: false,
          signal,
        });
        embeddings.push(shapeEmbedding(r.embedding, request));
        promptTokens += r.tokens;
      }
      this.o.metrics.tokens(lease.entry.name, promptTokens, 0);
      return {
        embeddings,
        promptTokens,
        durations: {
          totalNs: Math.round((performance.now() - startedAt) * 1e6),
          loadNs: Math.round(lease.loadMs * 1e6),
        },
      };
    } finally {
      lease.release(request.keepAliveMs);
    }
  }

  async defaultModel(): Promise<string> {
    const entries = await this.o.catalog.list();
    const configured = entries.filter((e) => e.source === "configured");
    if (configured.length === 1) return configured[0]!.name;
    if (entries.length === 1) return entries[0]!.name;
    const loaded = this.o.manager.loaded();
    if (loaded.length === 1) return loaded[0]!.entry.name;
    throw new AtlasError(
      "BAD_ARGUMENT",
      entries.length === 0
        ? "model is required, and this server has no models yet"
        : `model is required: this server serves ${entries.length} models (${entries
            .slice(0, 5)
            .map((e) => e.name)
            .join(", ")}${entries.length > 5 ? ", …" : ""})`,
      { details: { field: "model" } },
    );
  }

  async tokenize(model: string, input: TokenizeInput, withPieces: boolean): Promise<TokenizeResult> {
    const lease = await this.o.manager.acquire(model);
    try {
      const m = lease.model;
      const bos = m.info.tokens.bos;
      const text =
        input.kind === "text"
          ? input.text
          : m.applyChatTemplate(input.messages, { addGenerationPrompt: input.addGenerationPrompt });
      // Special-token text ("<start_of_turn>") becomes its token, as Hugging Face tokenizers do.
      const tokens = m.tokenize(text, { parseSpecial: true });
      if (input.addSpecial && m.info.addBos && bos !== undefined) tokens.unshift(bos);
      return {
        tokens,
        pieces: withPieces ? tokens.map((t) => m.detokenize([t], { special: true })) : undefined,
        contextLength: m.info.contextSize,
      };
    } finally {
      lease.release(undefined);
    }
  }

  async detokenize(model: string, tokens: number[]): Promise<string> {
    const lease = await this.o.manager.acquire(model);
    try {
      validateTokens(tokens, lease.model.info.vocabSize, "tokens", { allowEmpty: true });
      return lease.model.detokenize(tokens, { special: true });
    } finally {
      lease.release(undefined);
    }
  }

  async tokenizerInfo(model: string): Promise<TokenizerDescription> {
    const lease = await this.o.manager.acquire(model);
    try {
      const info = lease.model.info;
      return {
        bosToken: info.tokens.bos === undefined ? undefined : info.tokens.bosText,
        eosToken: info.tokens.eos === undefined ? undefined : info.tokens.eosText,
        addBos: info.addBos,
        contextLength: info.contextSize,
        chatTemplate: lease.model.chatTemplate,
        tokenizerClass: `llama.cpp (${info.architecture})`,
      };
    } finally {
      lease.release(undefined);
    }
  }

  async load(model: string, keepAliveMs: number | undefined): Promise<number> {
    const lease = await this.o.manager.acquire(model);
    lease.release(keepAliveMs);
    return lease.loadMs;
  }

  async unload(model: string): Promise<void> {
    await this.o.manager.unload(model);
  }

  private async listing(entry: CatalogEntry): Promise<ModelListing> {
    return {
      name: entry.name,
      sizeBytes: entry.sizeBytes,
      modifiedAt: entry.modifiedAt,
      digest: entry.digest,
      details: details(await this.o.catalog.summary(entry)),
    };
  }

  async list(): Promise<ModelListing[]> {
    const out: ModelListing[] = [];
    for (const entry of await this.o.catalog.list()) {
      // A file that cannot be read is left out of the list (the store may hold a broken download).
      const listing = await this.listing(entry).catch(() => undefined);
      if (listing !== undefined) out.push(listing);
    }
    return out;
  }

  async show(model: string): Promise<ModelDescription> {
    const entry = await this.o.catalog.find(model);
    const summary = await this.o.catalog.summary(entry);
    const modelInfo: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(summary.metadata))
      // Arrays (the vocabulary) are left out, as Ollama does unless verbose.
      modelInfo[key] = typeof value === "string" && /^\[\d+ × /.test(value) ? null : value;
    modelInfo["general.parameter_count"] = summary.parameters;
    const stops = summary.vocab.special
      .filter((s) => (s.role === "eos" || s.role === "eot") && s.text !== undefined)
      .map((s) => s.text!);
    const license = summary.metadata["general.license"];
    return {
      ...(await this.listing(entry)),
      template: summary.chatTemplate ?? "",
      parameters: { stop: [...new Set(stops)] },
      modelInfo,
      license: typeof license === "string" ? license : "",
      capabilities: ["completion"],
    };
  }

  async running(): Promise<RunningModel[]> {
    const out: RunningModel[] = [];
    for (const loaded of this.o.manager.loaded()) {
      const info = loaded.model.info;
      const state = loaded.model.engineModel.state();
      out.push({
        ...(await this.listing(loaded.entry)),
        expiresAt: new Date(Number.isFinite(loaded.expiresAt) ? loaded.expiresAt : 253402300799000),
        sizeVram: info.backend === "cpu" ? 0 : loaded.entry.sizeBytes,
        contextLength: info.contextSize,
        slots: state.sequences,
        busySlots: state.sequences - state.freeSlots,
        queued: state.queued,
      });
    }
    return out;
  }

  async pull(model: string, onStatus: (status: PullStatus) => void, signal: AbortSignal): Promise<void> {
    const name = checkModelName(model);
    if (hubNameParts(name) === undefined)
      throw new AtlasError("BAD_ARGUMENT", `'${name}' is not a hub model id or alias`, {
        hint: "pull org/name[:quant] or atlas-chat:2b|9b|27b",
        details: { field: "model" },
      });
    // pullModel would take an existing file or folder of that name as a local checkpoint.
    if (existsSync(resolve(name)))
      throw new AtlasError("BAD_ARGUMENT", `'${name}' names a file in the server's working directory`, {
        hint: "run `atlas pull` on the server instead",
        details: { field: "model" },
      });
    onStatus({ status: "pulling manifest" });
    await pullModel({
      model: name.replace(/:latest$/i, ""),
      atlasHome: this.o.atlasHome,
      env: this.o.env,
      signal,
      ...(this.o.fetch === undefined ? {} : { fetch: this.o.fetch }),
      onProgress: (event) => {
        const status = pullStatus(event);
        if (status !== undefined) onStatus(status);
      },
    });
  }

  async remove(model: string): Promise<void> {
    const entry = await this.o.catalog.find(model);
    if (entry.source === "store") await this.o.manager.unloadPath(entry.path);
    await this.o.catalog.remove(model);
  }

  async copy(source: string, destination: string): Promise<void> {
    await this.o.catalog.copy(source, destination);
  }

  usage(): BackendLoad {
    const load: BackendLoad = { slots: 0, busySlots: 0, queued: 0, loadedModels: 0 };
    for (const { model } of this.o.manager.loaded()) {
      const state = model.engineModel.state();
      load.slots += state.sequences;
      load.busySlots += state.sequences - state.freeSlots;
      load.queued += state.queued;
      load.loadedModels++;
    }
    return load;
  }

  close(): Promise<void> {
    return this.o.manager.close();
  }
}

/** A pull's progress in Ollama's `/api/pull` terms. */
export function pullStatus(event: PullProgress): PullStatus | undefined {
  switch (event.type) {
    case "resolved":
      return { status: `resolved ${event.repo}@${event.sha.slice(0, 12)}` };
    case "file":
      return {
        status: `pulling ${event.path}`,
        digest: event.path,
        total: event.total,
        completed: event.done,
      };
    case "convert":
      return {
        status: `converting (${event.progress.phase})`,
        total: event.progress.bytesTotal,
        completed: event.progress.bytesDone,
      };
    case "waiting":
      return { status: `waiting: ${event.what}` };
    case "stored":
      return { status: "writing manifest" };
    default:
      return undefined;
  }
}
