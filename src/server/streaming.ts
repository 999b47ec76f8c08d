/**
 * Streamed responses: NDJSON (Ollama) and Server-Sent Events (OpenAI). Each frame is enqueued as one
 * chunk when the client reads (pull-based), so the Node listener writes — and flushes — one line per
 * token. A client that goes away cancels the stream, which returns the frame iterator, which leaves the
 * generation's loop: the engine frees the slot at its next step.
 */
import { AtlasError } from "../core/index.js";
import type { Generation, GenerationDelta, GenerationSummary } from "./backend.js";

/** A Response streaming `frames` (already formatted text). */
export function streamResponse(frames: AsyncIterable<string>, contentType: string, status = 200): Response {
  const encoder = new TextEncoder();
  const iterator = frames[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done === true) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  return new Response(body, {
    status,
    headers: {
      "content-type": contentType,
      "cache-control": "no-cache",
      // Proxies such as nginx must not buffer a token stream.
      "x-accel-buffering": "no",
    },
  });
}

/**
 * A generation that ended with `abort` although the client is still there: the server stopped it
 * (shutdown, model unloaded). Client aborts never reach a reader.
 */
export function stoppedBy(signal: AbortSignal): AtlasError {
  return signal.aborted
    ? new AtlasError("ABORTED", "request canceled")
    : new AtlasError(
        "UNLOADED",
        "the generation was stopped: the server is shutting down or the model was unloaded",
        {
          details: { retryAfterMs: 5000 },
        },
      );
}

/** Hooks of {@link generationFrames}. */
export interface FrameWriters {
  /** A frame for a streamed piece (undefined to send nothing for it). */
  delta(delta: GenerationDelta): string | undefined;
  /** The frames that end a successful stream. */
  end(summary: GenerationSummary): string[];
  /** The frame that ends a failed stream. */
  error(error: unknown): string;
}

/** Frames of a generation: its pieces, then its end — or an error frame if it fails midway. */
export async function* generationFrames(
  generation: Generation,
  writers: FrameWriters,
  clientSignal: AbortSignal,
): AsyncGenerator<string> {
  try {
    for await (const delta of generation) {
      const frame = writers.delta(delta);
      if (frame !== undefined) yield frame;
    }
    const summary = await generation.result;
    if (summary.finishReason === "abort") throw stoppedBy(clientSignal);
    yield* writers.end(summary);
  } catch (error) {
    yield writers.error(error);
  }
}

/** Reads a whole generation (non-streamed replies): its text, pieces and summary. */
export async function collectGeneration(
  generation: Generation,
  clientSignal: AbortSignal,
): Promise<{ deltas: GenerationDelta[]; summary: GenerationSummary }> {
  const deltas: GenerationDelta[] = [];
  for await (const delta of generation) deltas.push(delta);
  const summary = await generation.result;
  if (summary.finishReason === "abort") throw stoppedBy(clientSignal);
  return { deltas, summary };
}
