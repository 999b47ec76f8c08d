/**
 * Reading untrusted JSON request bodies: parse errors, unknown fields and wrong types become
 * `AtlasError("BAD_ARGUMENT")` naming the field (in the wire format's own names), so every route answers
 * 400 with a message instead of failing somewhere deeper.
 */
import { AtlasError, errorMessage } from "../core/index.js";

/** A JSON object from a request body. */
export type JsonObject = Record<string, unknown>;

function bad(field: string, message: string, hint?: string): AtlasError {
  return new AtlasError("BAD_ARGUMENT", message, {
    details: { field },
    ...(hint === undefined ? {} : { hint }),
  });
}

/**
 * Parses a request body as a JSON object. An empty body is `{}` when `allowEmpty` (GET-like routes).
 * @throws AtlasError BAD_ARGUMENT for invalid JSON or a non-object
 */
export async function readJsonObject(request: Request, allowEmpty = false): Promise<JsonObject> {
  const text = await request.text();
  if (text.trim() === "") {
    if (allowEmpty) return {};
    throw bad("body", "missing request body", "send a JSON object");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw bad("body", `the request body is not valid JSON (${errorMessage(error)})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw bad("body", "the request body must be a JSON object");
  return parsed as JsonObject;
}

/** Refuses fields outside `known`, suggesting a close name (`max_token` → `max_tokens`). */
export function checkKnownFields(body: JsonObject, known: readonly string[], what: string): void {
  for (const key of Object.keys(body)) {
    if (known.includes(key)) continue;
    const norm = (s: string): string => s.toLowerCase().replace(/[_-]/g, "");
    const near = known.find(
      (k) => norm(k) === norm(key) || norm(k).startsWith(norm(key)) || norm(key).startsWith(norm(k)),
    );
    throw bad(
      key,
      `unknown ${what} field '${key}'`,
      near === undefined ? `known fields: ${known.join(", ")}` : `did you mean '${near}'?`,
    );
  }
}

/** `body[key]` as text (undefined when absent or null). */
export function optionalString(body: JsonObject, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw bad(key, `${key} must be text, got ${typeName(value)}`);
  return value;
}

/** `body[key]` as a boolean (undefined when absent or null). */
export function optionalBoolean(body: JsonObject, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw bad(key, `${key} must be true or false, got ${typeName(value)}`);
  return value;
}

/** `body[key]` as a number (undefined when absent or null); range checks belong to the contract. */
export function optionalNumber(body: JsonObject, key: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value))
    throw bad(key, `${key} must be a number, got ${typeName(value)}`);
  return value;
}

/** `body[key]` as a whole number in [min, max]. */
export function optionalInteger(body: JsonObject, key: string, min: number, max: number): number | undefined {
  const value = optionalNumber(body, key);
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max)
    throw bad(key, `${key} must be a whole number from ${min} to ${max}, got ${value}`);
  return value;
}

/** `body[key]` as a JSON object (undefined when absent or null). */
export function optionalObject(body: JsonObject, key: string): JsonObject | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value))
    throw bad(key, `${key} must be an object, got ${typeName(value)}`);
  return value as JsonObject;
}

/** A string or a list of strings (OpenAI's `stop`), as a list. */
export function stringList(body: JsonObject, key: string): string[] | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value;
  throw bad(key, `${key} must be text or a list of texts, got ${typeName(value)}`);
}

/** "a list of 3", "text", "a number" — for messages about wrong types. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "string") return "text";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/** A BAD_ARGUMENT error about `field`. */
export function badField(field: string, message: string, hint?: string): AtlasError {
  return bad(field, message, hint);
}
