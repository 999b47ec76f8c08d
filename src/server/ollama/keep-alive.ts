/**
 * Ollama's `keep_alive`: a number of seconds or a Go duration string ("5m", "1h30m", "300ms"); negative
 * keeps the model loaded forever, 0 unloads it when the request ends.
 */
import { badField } from "../json-body.js";

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration string in milliseconds, or undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  const match = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(text);
  if (text === "0" || text === "-0" || text === "+0") return 0;
  if (match === null) return undefined;
  let total = 0;
  for (const part of text.replace(/^[-+]/, "").matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g))
    total += Number(part[1]) * UNIT_MS[part[2]!]!;
  return match[1] === "-" ? -total : total;
}

/**
 * `keep_alive` in ms (negative = forever); undefined when absent.
 * @throws AtlasError BAD_ARGUMENT for anything else
 */
export function parseKeepAlive(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" && Number.isFinite(value)) return value < 0 ? -1 : value * 1000;
  if (typeof value === "string") {
    const ms = parseGoDuration(value.trim());
    if (ms !== undefined) return ms < 0 ? -1 : ms;
  }
  throw badField(
    "keep_alive",
    `keep_alive must be a number of seconds or a duration such as "5m", got ${JSON.stringify(value).slice(0, 40)}`,
  );
}
