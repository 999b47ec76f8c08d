/**
 * Building blocks of the wire schemas. Every leaf carries the phrase that completes "<field> must be …"
 * as its zod error, so the boundary (boundary.ts) can say exactly what a known field must be — in one
 * style for every route — without a hand-written check per field. Optional fields also accept `null`:
 * OpenAI's and Ollama's clients send `null` for "not set" (openai-python, LibreChat's zod `.nullable()`).
 */
import { z } from "zod";

/** Text. */
export const text = (): z.ZodString => z.string({ error: "text" });

/** true or false. */
export const bool = (): z.ZodBoolean => z.boolean({ error: "true or false" });

/** Any finite number (ranges are the request contract's: src/core/request.ts). */
export const num = (): z.ZodNumber => z.number({ error: "a number" });

/** A whole number from `min` to `max`. */
export function int(min: number, max: number): z.ZodNumber {
  const what = `a whole number from ${min} to ${max}`;
  return z.number({ error: what }).int({ error: what }).min(min, { error: what }).max(max, { error: what });
}

/** A list of at most `max` items. */
export function list<T extends z.ZodType>(item: T, max: number, what = "a list"): z.ZodArray<T> {
  return z.array(item, { error: what }).max(max, { error: `${what} of at most ${max} items` });
}

/** One of the given strings. */
export function oneOf<const T extends readonly [string, ...string[]]>(
  values: T,
): z.ZodEnum<{ [K in T[number]]: K }> {
  return z.enum(values, { error: `one of ${values.map((v) => `"${v}"`).join(", ")}` });
}

/** Any JSON object (a JSON schema, an options bag whose keys are checked elsewhere). */
export const anyObject = (): z.ZodRecord<z.ZodString, z.ZodUnknown> =>
  z.record(z.string(), z.unknown(), { error: "an object" });

/**
 * A JSON object whose known fields are `shape`. Strict: an unknown key is reported to the boundary,
 * which drops and logs it (the lenient HTTP rule) — never silently, never as a 400.
 */
export function object<S extends z.core.$ZodLooseShape>(
  shape: S,
  what = "an object",
): z.ZodObject<S, z.core.$strict> {
  return z.strictObject(shape, { error: what });
}

/** `schema`, or absent, or `null` (both mean "not set"). */
export function opt<T extends z.ZodType>(schema: T): z.ZodOptional<z.ZodNullable<T>> {
  return schema.nullable().optional();
}
