/**
 * The HTTP boundary rule, in one place: a request body is checked against its wire schema; fields the
 * schema does not know are dropped and reported (Ollama and OpenAI ignore fields they do not know, and
 * clients send many: `reasoning_effort`, `prompt_cache_key`, `think`, `new_topic_penalty` …), while every
 * field it knows is strictly checked — a wrong type or value is `AtlasError("BAD_ARGUMENT")` naming the
 * field by its wire path (`messages[2].content`, `options.top_k`). The library API stays strict: this
 * leniency exists only here.
 */
import type { z } from "zod";
import { AtlasError, errorMessage } from "../core/index.js";

/** How {@link parseWire} reports and names things. */
export interface WireParseOptions {
  /** Called once with the paths of the unknown fields that were dropped (e.g. to log them at debug level). */
  onIgnored?: ((fields: string[]) => void) | undefined;
}

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

/** Deepest number of strip-and-retry passes (each pass removes every unknown key zod reported). */
const MAX_PASSES = 8;

/** `messages[2].content` from `["messages", 2, "content"]`. */
export function wirePath(path: readonly PathKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** "'hot'", "5", "a list of 3", "an object" — what a client sent, for messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return `an ${typeof value}`;
}

function valueAt(root: unknown, path: readonly PathKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Unknown keys of one failed parse, as [object path, key] pairs; undefined when other issues remain. */
function unknownKeys(
  issues: readonly Issue[],
  base: readonly PathKey[] = [],
): [PathKey[], string][] | undefined {
  const found: [PathKey[], string][] = [];
  for (const issue of issues) {
    const at = [...base, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) found.push([at, key]);
      continue;
    }
    if (issue.code === "invalid_union") {
      // The branch that failed only on unknown keys is the one the client meant.
      const branch = issue.errors
        .map((branchIssues) => unknownKeys(branchIssues, at))
        .find((keys) => keys !== undefined && keys.length > 0);
      if (branch !== undefined) {
        found.push(...branch);
        continue;
      }
    }
    return undefined;
  }
  return found;
}

/** The most specific issue: inside a union, the branch that got furthest into the value. */
function specific(issue: Issue, base: readonly PathKey[]): { issue: Issue; path: PathKey[] } {
  const path = [...base, ...issue.path];
  if (issue.code !== "invalid_union") return { issue, path };
  let best: Issue | undefined;
  for (const branch of issue.errors)
    for (const inner of branch)
      if (inner.path.length > 0 && (best === undefined || inner.path.length > best.path.length)) best = inner;
  return best === undefined ? { issue, path } : specific(best, path);
}

/** The 400 for a failed parse, naming the field and what it must be. */
function issueError(root: unknown, first: Issue): AtlasError {
  const { issue, path } = specific(first, []);
  const field = wirePath(path);
  const value = valueAt(root, path);
  const label = field === "" ? "the request body" : field;
  let message: string;
  if (issue.code === "custom") message = `${label}: ${issue.message}`;
  else if (value === undefined && issue.code === "invalid_type") message = `${label} is required`;
  else message = `${label} must be ${issue.message}, got ${describeValue(value)}`;
  return new AtlasError("BAD_ARGUMENT", message, { details: { field: field === "" ? "body" : field } });
}

function withoutKeys(value: unknown, drops: readonly [PathKey[], string][]): unknown {
  const copy = structuredClone(value);
  for (const [path, key] of drops) {
    const target = valueAt(copy, path);
    if (typeof target === "object" && target !== null) delete (target as Record<string, unknown>)[key];
  }
  return copy;
}

/**
 * Checks `input` against a wire schema: unknown fields are dropped and reported to `onIgnored`, known
 * ones must be valid.
 * @throws AtlasError BAD_ARGUMENT naming the first invalid field (`details.field` is its wire path)
 * @example parseWire(OllamaChatRequestSchema, body, { onIgnored: (f) => log(`ignored ${f.join(", ")}`) })
 */
export function parseWire<S extends z.ZodType>(
  schema: S,
  input: unknown,
  options: WireParseOptions = {},
): z.output<S> {
  let value = input;
  const ignored: string[] = [];
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const result = schema.safeParse(value);
    if (result.success) {
      if (ignored.length > 0) options.onIgnored?.(ignored);
      return result.data;
    }
    const drops = unknownKeys(result.error.issues);
    if (drops === undefined || drops.length === 0) {
      const first = result.error.issues.find((i) => i.code !== "unrecognized_keys") ?? result.error.issues[0];
      if (first === undefined) break;
      throw issueError(value, first);
    }
    for (const [path, key] of drops) ignored.push(wirePath([...path, key]));
    value = withoutKeys(value, drops);
  }
  throw new AtlasError("BAD_ARGUMENT", "the request body nests unknown fields too deeply", {
    details: { field: "body" },
  });
}

/**
 * Parses a request body's text as a JSON object (empty text is `{}` when `allowEmpty`).
 * @throws AtlasError BAD_ARGUMENT for a missing body, invalid JSON or a non-object
 */
export function parseJsonObjectText(text: string, allowEmpty = false): Record<string, unknown> {
  if (text.trim() === "") {
    if (allowEmpty) return {};
    throw new AtlasError("BAD_ARGUMENT", "missing request body", {
      hint: "send a JSON object",
      details: { field: "body" },
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AtlasError("BAD_ARGUMENT", `the request body is not valid JSON (${errorMessage(error)})`, {
      details: { field: "body" },
    });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new AtlasError("BAD_ARGUMENT", "the request body must be a JSON object", {
      details: { field: "body" },
    });
  return parsed as Record<string, unknown>;
}

/**
 * Reads and checks a request's JSON body against `schema` (see {@link parseWire}).
 * @throws AtlasError BAD_ARGUMENT for a missing or malformed body or an invalid known field
 */
export async function readWireBody<S extends z.ZodType>(
  request: Request,
  schema: S,
  options: WireParseOptions & { allowEmpty?: boolean } = {},
): Promise<z.output<S>> {
  return parseWire(schema, parseJsonObjectText(await request.text(), options.allowEmpty), options);
}
