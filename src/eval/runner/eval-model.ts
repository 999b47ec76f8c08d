/**
 * The one interface the runner scores and generates through: the embedded engine (`AtlasModel`) or a
 * remote OpenAI-compatible server. Requests are plain data so they can be cached and compared.
 */
import type { GenerateOptions } from "../../core/index.js";
import type { ChoiceScore } from "../metrics/accuracy.js";
import type { EvalPrompt } from "../tasks/task-types.js";

/** Log-likelihoods of continuations after one shared context (one multiple-choice item). */
export interface LoglikelihoodRequest {
  kind: "loglikelihood";
  context: string;
  continuations: string[];
}

/** Generation settings a task may set: the request contract's own fields (src/core/request.ts). */
export type EvalGenerateOptions = Pick<GenerateOptions, "temperature" | "maxTokens" | "stop" | "seed">;

/** One generation. */
export interface GenerationRequest {
  kind: "generate";
  prompt: EvalPrompt;
  options: EvalGenerateOptions;
}

export type EvalRequest = LoglikelihoodRequest | GenerationRequest;

/** A generation's output. */
export interface EvalGeneration {
  text: string;
  finishReason: string;
}

/** The answer to a request. */
export type EvalResponse =
  { kind: "loglikelihood"; scores: ChoiceScore[] } | { kind: "generate"; generation: EvalGeneration };

/** What results.json says about the model. */
export interface EvalModelInfo {
  /** What the user named (a path, an alias, a server's model id). */
  name: string;
  backend: "embedded" | "openai";
  /** More facts (file, size, quantization, server URL …). */
  details: Record<string, unknown>;
}

/** A model the evaluator can use. */
export interface EvalModel {
  /** Identity for the request cache: changes when the model's outputs could change. */
  readonly id: string;
  readonly info: EvalModelInfo;
  /** Requests to keep in flight so the model never idles. */
  readonly concurrency: number;
  loglikelihoods(
    context: string,
    continuations: readonly string[],
    signal?: AbortSignal,
  ): Promise<ChoiceScore[]>;
  generate(
    prompt: EvalPrompt,
    options: EvalGenerateOptions & { signal?: AbortSignal },
  ): Promise<EvalGeneration>;
  /** Releases what the model holds (the engine model; nothing for a remote one). */
  close(): Promise<void>;
}

/** Runs `request` on `model`. */
export async function runEvalRequest(
  model: EvalModel,
  request: EvalRequest,
  signal?: AbortSignal,
): Promise<EvalResponse> {
  if (request.kind === "loglikelihood")
    return {
      kind: "loglikelihood",
      scores: await model.loglikelihoods(request.context, request.continuations, signal),
    };
  const options = signal === undefined ? request.options : { ...request.options, signal };
  return { kind: "generate", generation: await model.generate(request.prompt, options) };
}
