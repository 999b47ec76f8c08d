/**
 * An upstream's stream of chunks (chat or legacy completion, already checked by the wire client) as a
 * backend Generation: the first event is awaited before the route answers (so the upstream's error
 * status becomes ours), pieces become deltas, the usage chunk becomes the summary, and leaving early
 * aborts the upstream request.
 */
import type { Generation, GenerationDelta, GenerationSummary } from "../backend.js";
import { isAbort } from "./upstream-client.js";
import { upstreamDelta, type UpstreamChoice } from "./upstream-requests.js";

const MS_TO_NS = 1_000_000;

/** What an upstream chunk carries that we read. */
export interface UpstreamChunk {
  choices: UpstreamChoice[];
  usage?: { prompt_tokens: number; completion_tokens?: number | undefined } | null | undefined;
}

/** Parameters of {@link upstreamGeneration}. */
export interface UpstreamGenerationParams {
  events: AsyncGenerator<UpstreamChunk>;
  /** performance.now() when the request arrived. */
  started: number;
  /** Aborts the upstream request. */
  abort: () => void;
  /** Called once when the request is over. */
  done: () => void;
  /** Upstream errors in the proxy's terms. */
  mapError: (error: unknown) => unknown;
}

/**
 * Starts reading the stream; resolves once its first event arrived.
 * @throws the upstream's error (already mapped by the caller's `mapError` for later failures)
 */
export async function upstreamGeneration(params: UpstreamGenerationParams): Promise<Generation> {
  const { events, started } = params;
  const first = await events.next();
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
    let usage: UpstreamChunk["usage"];
    let pieces = 0;
    let firstAt: number | undefined;
    let completed = false;
    let failure: unknown;
    try {
      for (let next = first; next.done !== true; next = await events.next()) {
        const event = next.value;
        if (event.usage !== null && event.usage !== undefined) usage = event.usage;
        for (const choice of event.choices) {
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
      failure = params.mapError(error);
      throw failure;
    } finally {
      // Left early or failed: stop the upstream request too.
      if (!completed) params.abort();
      await events.return(undefined);
      params.done();
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
