/**
 * The remote backend, `--backend openai:<base-url>`: any OpenAI-compatible server (atlas serve, vLLM,
 * TGI, llama.cpp's server). Log-likelihoods come from `/v1/completions` with `echo: true, logprobs: 1,
 * max_tokens: 0` (every choice of an item in one request, as a list of prompts); generations from
 * `/v1/chat/completions` (chat prompts) or `/v1/completions` (raw text prompts).
 */
import { AtlasError, isAtlasError } from "../../core/index.js";
import type { RetryOptions } from "../../hub/index.js";
import type { ChoiceScore } from "../metrics/accuracy.js";
import { pyRstrip } from "../metrics/python-text.js";
import type { EvalGenerateOptions, EvalGeneration, EvalModel } from "../runner/eval-model.js";
import type { EvalPrompt } from "../tasks/task-types.js";
import { continuationScore, readEchoedLogprobs } from "./completion-logprobs.js";
import { postJson, ServerAnswerError } from "./openai-http.js";

/** Options of {@link openAiEvalModel}. */
export interface OpenAiEvalModelOptions {
  /** The base URL an OpenAI SDK would use, e.g. `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  /** The server's model id. */
  model: string;
  /** Sent as `Authorization: Bearer …` (the CLI passes `$OPENAI_API_KEY`). Default none. */
  apiKey?: string;
  /** Requests in flight. Default 4. */
  concurrency?: number;
  fetch?: typeof fetch;
  retry?: RetryOptions;
}

interface CompletionChoice {
  index?: number;
  text?: string;
  finish_reason?: string | null;
  logprobs?: unknown;
  message?: { content?: string | null };
}

function choicesOf(answer: unknown, url: string): CompletionChoice[] {
  const choices = (answer as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices) || choices.length === 0)
    throw new AtlasError("NETWORK", "the server's answer has no choices", { where: url });
  return choices as CompletionChoice[];
}

/** Cuts `text` at the first stop string (servers differ in whether they apply every stop). */
export function cutAtStops(text: string, stops: readonly string[] = []): string {
  let end = text.length;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at >= 0 && at < end) end = at;
  }
  return text.slice(0, end);
}

/** An EvalModel on an OpenAI-compatible server. */
export function openAiEvalModel(options: OpenAiEvalModelOptions): EvalModel {
  const base = options.baseUrl.replace(/\/+$/, "");
  const apiKey = options.apiKey;
  const post = (path: string, body: unknown, signal?: AbortSignal): Promise<unknown> =>
    postJson({ url: `${base}${path}`, body, apiKey, fetch: options.fetch, signal, retry: options.retry });
  const echoError = (cause?: unknown): AtlasError =>
    new AtlasError(
      "UNSUPPORTED",
      `the server at ${base} cannot echo prompt log-probabilities (/v1/completions with echo, logprobs and max_tokens 0)`,
      {
        details: { field: "echo" },
        hint: "log-likelihood (multiple-choice) tasks need it: use atlas serve or vLLM, or the embedded backend",
        ...(cause === undefined ? {} : { cause }),
      },
    );
  return {
    id: `openai:${base}|${options.model}`,
    info: { name: options.model, backend: "openai", details: { base_url: base, model: options.model } },
    concurrency: options.concurrency ?? 4,
    async loglikelihoods(
      context: string,
      continuations: readonly string[],
      signal?: AbortSignal,
    ): Promise<ChoiceScore[]> {
      // lm-eval moves the context's trailing whitespace into the continuation.
      const contextEnd = pyRstrip(context).length;
      const prompts = continuations.map((c) => context + c);
      let answer: unknown;
      try {
        answer = await post(
          "/completions",
          { model: options.model, prompt: prompts, max_tokens: 0, echo: true, logprobs: 1, temperature: 0 },
          signal,
        );
      } catch (error) {
        if (
          error instanceof ServerAnswerError &&
          error.status === 400 &&
          /echo|logprob|max_tokens/i.test(error.serverMessage)
        )
          throw echoError(error);
        throw error;
      }
      const choices = choicesOf(answer, `${base}/completions`);
      if (choices.length !== prompts.length)
        throw new AtlasError(
          "NETWORK",
          `asked to score ${prompts.length} prompts, the server answered ${choices.length}`,
          {
            where: `${base}/completions`,
          },
        );
      const ordered = [...choices].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      return ordered.map((choice, i) => {
        const logprobs = readEchoedLogprobs(choice.logprobs);
        if (logprobs === undefined) throw echoError();
        try {
          return continuationScore(prompts[i]!, contextEnd, logprobs);
        } catch (error) {
          if (isAtlasError(error, "UNSUPPORTED")) throw echoError(error);
          throw error;
        }
      });
    },
    async generate(
      prompt: EvalPrompt,
      generate: EvalGenerateOptions & { signal?: AbortSignal },
    ): Promise<EvalGeneration> {
      const common = {
        model: options.model,
        temperature: generate.temperature ?? 0,
        ...(generate.maxTokens === undefined ? {} : { max_tokens: generate.maxTokens }),
        ...(generate.stop === undefined || generate.stop.length === 0 ? {} : { stop: generate.stop }),
        ...(generate.seed === undefined ? {} : { seed: generate.seed }),
      };
      const chat = prompt.kind === "chat";
      const path = chat ? "/chat/completions" : "/completions";
      const answer = await post(
        path,
        chat ? { ...common, messages: prompt.messages } : { ...common, prompt: prompt.text },
        generate.signal,
      );
      const choice = choicesOf(answer, `${base}${path}`)[0]!;
      const text = (chat ? choice.message?.content : choice.text) ?? "";
      return { text: cutAtStops(text, generate.stop), finishReason: choice.finish_reason ?? "stop" };
    },
    close: () => Promise.resolve(),
  };
}
