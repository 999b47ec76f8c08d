/**
 * One streamed answer from Ollama's `POST /api/chat`: NDJSON lines read as they arrive (a network chunk
 * may hold several lines or half of one), text deltas as they come, the final line's counts at the end.
 * Abort the signal to stop: the server stops generating when the connection closes.
 */
import { apiHeaders, ApiError, failure, type GenerationStats } from "./api.js";

/** A message of the request (the system prompt first when there is one). */
export interface WireMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** What `/api/chat` gets. */
export interface ChatStreamRequest {
  model: string;
  messages: WireMessage[];
  /** Ollama options: temperature, top_p, num_predict, seed. */
  options: Record<string, number>;
}

interface ChatLine {
  message?: { content?: string };
  done?: boolean;
  done_reason?: string;
  eval_count?: number;
  eval_duration?: number;
  prompt_eval_count?: number;
  total_duration?: number;
  error?: string;
}

/**
 * Streams an answer: `onDelta` gets each piece of text; resolves to the final counts. Rejects with
 * {@link ApiError} for an error answer or an error line, with an `AbortError` when `signal` aborts.
 */
export async function streamChat(
  request: ChatStreamRequest,
  onDelta: (text: string) => void,
  signal: AbortSignal,
): Promise<GenerationStats> {
  const response = await fetch("/api/chat", {
    method: "POST",
    headers: apiHeaders(),
    body: JSON.stringify({ ...request, stream: true }),
    signal,
  });
  if (!response.ok || response.body === null) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const text = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (text === "") continue;
      const line = JSON.parse(text) as ChatLine;
      if (line.error !== undefined) throw new ApiError(200, line.error);
      if (line.message?.content) onDelta(line.message.content);
      if (line.done === true) {
        const stats: GenerationStats = {};
        if (line.eval_count !== undefined) stats.evalCount = line.eval_count;
        if (line.eval_duration !== undefined) stats.evalDurationNs = line.eval_duration;
        if (line.prompt_eval_count !== undefined) stats.promptEvalCount = line.prompt_eval_count;
        if (line.total_duration !== undefined) stats.totalDurationNs = line.total_duration;
        if (line.done_reason !== undefined) stats.doneReason = line.done_reason;
        return stats;
      }
    }
  }
  throw new ApiError(200, "the answer ended before the server said it was done");
}

/** Tokens per second of an answer, or undefined without counts. */
export function tokensPerSecond(stats: GenerationStats | null): number | undefined {
  if (stats?.evalCount === undefined || stats.evalDurationNs === undefined || stats.evalDurationNs <= 0)
    return undefined;
  return stats.evalCount / (stats.evalDurationNs / 1e9);
}
