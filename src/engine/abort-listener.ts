/**
 * One abort listener per request on the caller's signal. A caller may share one signal across many
 * requests (an evaluation run's, say): they all wait on it at once, legitimately, so Node's "possible
 * memory leak" warning at 11 listeners is raised to fit them. The returned function removes the listener;
 * the engine calls it when the request leaves, so a signal never collects listeners of finished requests.
 */
import { getEventListeners, getMaxListeners, setMaxListeners } from "node:events";

/** Headroom added when the limit is raised, so the count is not checked against it on every request. */
const HEADROOM = 64;

export function listenForAbort(signal: AbortSignal, onAbort: () => void): () => void {
  const max = getMaxListeners(signal);
  if (max !== 0 && getEventListeners(signal, "abort").length >= max) setMaxListeners(max + HEADROOM, signal);
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}
