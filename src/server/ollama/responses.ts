/**
 * Backend results → Ollama's JSON (pure mappers): chat/generate chunks and final objects with durations in
 * nanoseconds, `/api/tags`, `/api/show`, `/api/ps`.
 */
import type {
  GenerationDelta,
  GenerationSummary,
  ModelDescription,
  ModelDetails,
  ModelListing,
  RunningModel,
  TokenLogprobs,
} from "../backend.js";

/** Ollama's token log-probability entry. */
export interface OllamaLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs?: { token: string; logprob: number; bytes: number[] }[];
}

function logprobEntry(lp: TokenLogprobs): OllamaLogprob {
  const entry: OllamaLogprob = { token: lp.token, logprob: lp.logprob, bytes: lp.bytes };
  if (lp.top.length > 0)
    entry.top_logprobs = lp.top.map((t) => ({ token: t.token, logprob: t.logprob, bytes: t.bytes }));
  return entry;
}

/** Ollama's `created_at` (RFC 3339). */
export function createdAt(date = new Date()): string {
  return date.toISOString();
}

function metrics(summary: GenerationSummary): Record<string, number | string> {
  return {
    done_reason: summary.finishReason === "abort" ? "stop" : summary.finishReason,
    total_duration: summary.durations.totalNs,
    load_duration: summary.durations.loadNs,
    prompt_eval_count: summary.promptTokens,
    prompt_eval_duration: summary.durations.promptNs,
    eval_count: summary.completionTokens,
    eval_duration: summary.durations.evalNs,
  };
}

/** A streamed `/api/chat` piece. */
export function chatChunk(model: string, delta: GenerationDelta): Record<string, unknown> {
  return {
    model,
    created_at: createdAt(),
    message: { role: "assistant", content: delta.text },
    done: false,
    ...(delta.logprobs === undefined ? {} : { logprobs: [logprobEntry(delta.logprobs)] }),
  };
}

/** The last `/api/chat` object; `content` is the whole reply for a non-streamed request, else "". */
export function chatFinal(
  model: string,
  summary: GenerationSummary,
  content: string,
  logprobs?: TokenLogprobs[],
): Record<string, unknown> {
  return {
    model,
    created_at: createdAt(),
    message: { role: "assistant", content },
    done: true,
    ...metrics(summary),
    ...(logprobs === undefined ? {} : { logprobs: logprobs.map(logprobEntry) }),
  };
}

/** A streamed `/api/generate` piece. */
export function generateChunk(model: string, delta: GenerationDelta): Record<string, unknown> {
  return {
    model,
    created_at: createdAt(),
    response: delta.text,
    done: false,
    ...(delta.logprobs === undefined ? {} : { logprobs: [logprobEntry(delta.logprobs)] }),
  };
}

/** The last `/api/generate` object, with `context` unless the prompt was raw. */
export function generateFinal(
  model: string,
  summary: GenerationSummary,
  response: string,
  withContext: boolean,
  logprobs?: TokenLogprobs[],
): Record<string, unknown> {
  return {
    model,
    created_at: createdAt(),
    response,
    done: true,
    ...(withContext && summary.context !== undefined ? { context: summary.context } : {}),
    ...metrics(summary),
    ...(logprobs === undefined ? {} : { logprobs: logprobs.map(logprobEntry) }),
  };
}

/** The reply to a load-only (`load`) or unload (`unload`) call. */
export function loadReply(
  model: string,
  route: "chat" | "generate",
  reason: "load" | "unload",
  loadNs = 0,
): Record<string, unknown> {
  const body = route === "chat" ? { message: { role: "assistant", content: "" } } : { response: "" };
  return {
    model,
    created_at: createdAt(),
    ...body,
    done: true,
    done_reason: reason,
    ...(loadNs > 0 ? { total_duration: loadNs, load_duration: loadNs } : {}),
  };
}

function details(d: ModelDetails): Record<string, unknown> {
  return {
    parent_model: "",
    format: d.format,
    family: d.family,
    families: [d.family],
    parameter_size: d.parameterSize,
    quantization_level: d.quantizationLevel,
  };
}

function listing(m: ModelListing): Record<string, unknown> {
  return {
    name: m.name,
    model: m.name,
    modified_at: m.modifiedAt.toISOString(),
    size: m.sizeBytes,
    digest: m.digest,
    details: details(m.details),
  };
}

/** `GET /api/tags`. */
export function tagsReply(models: readonly ModelListing[]): Record<string, unknown> {
  return { models: models.map(listing) };
}

/** `GET /api/ps`. */
export function psReply(models: readonly RunningModel[]): Record<string, unknown> {
  return {
    models: models.map((m) => ({
      ...listing(m),
      expires_at: m.expiresAt.toISOString(),
      size_vram: m.sizeVram,
      context_length: m.contextLength,
    })),
  };
}

/** Modelfile-style `parameters` text: one `name value` line per value, the name padded. */
export function parametersText(parameters: ModelDescription["parameters"]): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(parameters))
    for (const v of Array.isArray(value) ? value : [value])
      lines.push(`${name.padEnd(30)} ${typeof v === "string" ? JSON.stringify(v) : String(v)}`);
  return lines.join("\n");
}

/** `POST /api/show`. */
export function showReply(m: ModelDescription): Record<string, unknown> {
  const parameters = parametersText(m.parameters);
  const modelfile = [
    `# Modelfile generated by "atlas serve"`,
    `FROM ${m.name}`,
    `TEMPLATE """${m.template}"""`,
    ...parameters
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => `PARAMETER ${l}`),
  ].join("\n");
  return {
    license: m.license,
    modelfile,
    parameters,
    template: m.template,
    details: details(m.details),
    model_info: m.modelInfo,
    capabilities: m.capabilities,
    modified_at: m.modifiedAt.toISOString(),
  };
}
