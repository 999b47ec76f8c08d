/**
 * Server-Sent Events as OpenAI-compatible servers send them: events separated by a blank line, several
 * `data:` lines joined with "\n", an optional `event:` name, `:` comment lines (keep-alives) ignored,
 * CRLF or LF line ends; the stream ends at `data: [DONE]` or when the body ends.
 */

/** One event. */
export interface SseEvent {
  /** The `event:` name, when the server sent one (the Responses API does). */
  event: string | undefined;
  data: string;
}

/** Longest event accepted (a chunk is a few hundred bytes; a runaway line is an upstream fault). */
export const MAX_SSE_EVENT_CHARS = 8 * 1024 * 1024;

/**
 * The events of a text stream, until `[DONE]` or its end.
 * @throws Error when one event exceeds {@link MAX_SSE_EVENT_CHARS}
 */
export async function* readSse(chunks: AsyncIterable<string>): AsyncGenerator<SseEvent> {
  let buffer = "";
  let data: string[] = [];
  let event: string | undefined;
  let size = 0;
  const flush = (): SseEvent | undefined => {
    if (data.length === 0) {
      event = undefined;
      return undefined;
    }
    const out = { event, data: data.join("\n") };
    data = [];
    event = undefined;
    size = 0;
    return out;
  };
  for await (const chunk of chunks) {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, "");
      buffer = buffer.slice(newline + 1);
      if (line === "") {
        const done = flush();
        if (done === undefined) continue;
        if (done.data === "[DONE]") return;
        yield done;
      } else if (line.startsWith(":")) {
        continue;
      } else {
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") {
          size += value.length;
          if (size > MAX_SSE_EVENT_CHARS)
            throw new Error(`an event is longer than ${MAX_SSE_EVENT_CHARS} characters`);
          data.push(value);
        } else if (field === "event") event = value;
      }
    }
    if (buffer.length > MAX_SSE_EVENT_CHARS)
      throw new Error(`a line is longer than ${MAX_SSE_EVENT_CHARS} characters`);
  }
  const last = flush();
  if (last !== undefined && last.data !== "[DONE]") yield last;
}
