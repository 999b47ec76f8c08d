/**
 * The request contract: one schema for what a caller may ask of a model — a conversation, sampling and
 * stopping options, a scoring request — with its ranges, defaults and limits in ONE place. The engine and
 * `AtlasModel` validate at their entry; the CLI flags, chat `/set`, `pipeline`, the Ollama/OpenAI mappers
 * and the eval tasks map their own names onto these fields and never restate a range.
 *
 * A violation is `AtlasError("BAD_ARGUMENT")` with `details.field` naming the field in this contract's
 * names (`temperature`, `messages[2].role`); callers that speak other names pass `names` to
 * {@link validateGenerateOptions} etc. so the message uses theirs (`--temperature`, `top_p`).
 */
import { z } from "zod";
import { AtlasError } from "./errors.js";
import type { ChatMessage } from "./types.js";

/**
 * Size limits of a request (untrusted input: CWE-770). Generous for real use, small enough that one
 * request cannot exhaust memory before the engine even looks at it.
 */
export const REQUEST_LIMITS = {
  /** Messages in one conversation. */
  maxMessages: 4096,
  /** Characters (UTF-16 units) of one message. */
  maxMessageChars: 4 * 1024 * 1024,
  /** Stop strings per request, and characters per stop string. */
  maxStops: 32,
  maxStopChars: 512,
  /** Entries of a logit-bias map. */
  maxLogitBias: 4096,
  /** Top alternatives per generated token (`logprobs`). */
  maxLogprobs: 20,
  /** Characters of a GBNF grammar. */
  maxGrammarChars: 512 * 1024,
  /** New tokens one request may ask for (the context usually stops it much earlier). */
  maxTokens: 1_048_576,
  /** Continuations of one scoring request. */
  maxContinuations: 1024,
} as const;

/** The roles a message may have (the assistant is Gemma's "model" turn). */
export const CHAT_ROLES = ["system", "user", "assistant"] as const;

/** One field of an options object: its schema and how to say what it must be. */
export interface FieldSpec {
  schema: z.ZodType;
  /** "a number from 0 to 10": completes "temperature must be …". */
  what: string;
}

const int = (min: number, max: number): z.ZodNumber => z.number().int().min(min).max(max);
const num = (min: number, max: number): z.ZodNumber => z.number().min(min).max(max);

/**
 * Sampling and stopping options: ranges and defaults. The defaults follow llama.cpp/Ollama (temperature
 * 0.8, top-k 40, top-p 0.95, min-p 0.05, no repeat penalty) so the same options behave the same.
 */
export const SAMPLING_DEFAULTS = {
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  minP: 0.05,
  typicalP: 1,
  repeatPenalty: 1,
  repeatLastN: 64,
  frequencyPenalty: 0,
  presencePenalty: 0,
} as const;

const GENERATE_FIELDS = {
  maxTokens: {
    schema: int(0, REQUEST_LIMITS.maxTokens),
    what: `a whole number from 0 to ${REQUEST_LIMITS.maxTokens} (0 evaluates the prompt and generates nothing)`,
  },
  temperature: { schema: num(0, 10), what: "a number from 0 to 10 (0 = greedy)" },
  topK: { schema: int(0, 1_000_000), what: "a whole number ≥ 0 (0 = off)" },
  topP: { schema: num(0, 1), what: "a number from 0 to 1 (1 = off)" },
  minP: { schema: num(0, 1), what: "a number from 0 to 1 (0 = off)" },
  typicalP: { schema: num(0, 1), what: "a number from 0 to 1 (1 = off)" },
  repeatPenalty: { schema: z.number().gt(0).max(100), what: "a number above 0 and at most 100 (1 = off)" },
  repeatLastN: { schema: int(0, 1_048_576), what: "a whole number ≥ 0" },
  frequencyPenalty: { schema: num(-100, 100), what: "a number from -100 to 100 (0 = off)" },
  presencePenalty: { schema: num(-100, 100), what: "a number from -100 to 100 (0 = off)" },
  seed: { schema: int(0, 2 ** 32 - 1), what: "a whole number from 0 to 4294967295" },
  logitBias: {
    schema: z
      .record(z.string().regex(/^(0|[1-9][0-9]{0,8})$/), num(-100, 100))
      .refine((m) => Object.keys(m).length <= REQUEST_LIMITS.maxLogitBias),
    what: `a map of token ids to numbers from -100 to 100 (at most ${REQUEST_LIMITS.maxLogitBias} entries)`,
  },
  cachePrompt: { schema: z.boolean(), what: "true or false" },
  stop: {
    schema: z.array(z.string().min(1).max(REQUEST_LIMITS.maxStopChars)).max(REQUEST_LIMITS.maxStops),
    what: `a list of at most ${REQUEST_LIMITS.maxStops} non-empty strings of at most ${REQUEST_LIMITS.maxStopChars} characters`,
  },
  logprobs: {
    schema: int(0, REQUEST_LIMITS.maxLogprobs),
    what: `a whole number from 0 to ${REQUEST_LIMITS.maxLogprobs} (top alternatives per token)`,
  },
  grammar: {
    schema: z.string().min(1).max(REQUEST_LIMITS.maxGrammarChars),
    what: "a non-empty GBNF grammar",
  },
  signal: { schema: z.instanceof(AbortSignal), what: "an AbortSignal" },
} satisfies Record<string, FieldSpec>;

/** Sampling and stopping options of one generation (the engine's `generate`). */
export interface GenerateOptions {
  /** New tokens at most; default: until an end token or the context is full. 0 evaluates the prompt only. */
  maxTokens?: number;
  /** 0 = greedy (deterministic). Default 0.8 like llama.cpp/Ollama. Range 0–10. */
  temperature?: number;
  /** Default 40; 0 disables. */
  topK?: number;
  /** Default 0.95; 1 disables. */
  topP?: number;
  /** Default 0.05; 0 disables. */
  minP?: number;
  /**
   * Locally typical sampling (llama.cpp's `typical_p`, Ollama's `typical_p`): keeps the tokens whose
   * surprise is closest to the distribution's entropy, up to this probability mass. Default 1 (off).
   */
  typicalP?: number;
  /** Default 1 (off). */
  repeatPenalty?: number;
  /** Tokens the penalties look back over; default 64. */
  repeatLastN?: number;
  /** Default 0 (off). */
  frequencyPenalty?: number;
  /** Default 0 (off). */
  presencePenalty?: number;
  /** Sampling seed 0…2³²−1; default random. Same seed + same options → same text. */
  seed?: number;
  /** Added to the logits of these token ids before sampling (OpenAI `logit_bias`; -100 bans, +100 forces). */
  logitBias?: Readonly<Record<number, number>>;
  /**
   * Reuse the KV cache of an earlier request that shares a prefix with this prompt (default true). Without
   * `batchInvariant` reuse can change the last bits of the numbers; see docs/engine.md.
   */
  cachePrompt?: boolean;
  /** Generation stops before any of these strings; the stop text is not returned. */
  stop?: string[];
  /**
   * Report the log-probability of each generated token and this many top alternatives (0–20), computed
   * from the model's raw distribution (before sampling settings).
   */
  logprobs?: number;
  /** A GBNF grammar the output must follow (llama.cpp's grammar sampler), e.g. for JSON output. */
  grammar?: string;
  /**
   * Aborts the request wherever it is (queued, prefilling, decoding); the generation then ends with
   * `finishReason: "abort"` and the text so far.
   */
  signal?: AbortSignal;
}

/** Options of a scoring request (`score`) and of `logits`. */
export interface ScoreOptions {
  /** Aborts the request; the promise rejects with `AtlasError("ABORTED")`. */
  signal?: AbortSignal;
  /** Reuse cached KV of an earlier request with the same prefix. Default true. */
  cachePrompt?: boolean;
  /**
   * Also report this many most likely tokens at each scored position (0–20; OpenAI's echo `logprobs`).
   * `score()` only; default none.
   */
  topLogprobs?: number;
}

const SCORE_FIELDS = {
  cachePrompt: GENERATE_FIELDS.cachePrompt,
  signal: GENERATE_FIELDS.signal,
  topLogprobs: GENERATE_FIELDS.logprobs,
} satisfies Record<string, FieldSpec>;

/** Options of an embedding (`embed`). */
export interface EmbedOptions {
  /** Aborts the request; the promise rejects with `AtlasError("ABORTED")`. */
  signal?: AbortSignal;
}

const EMBED_FIELDS = { signal: GENERATE_FIELDS.signal } satisfies Record<string, FieldSpec>;

/** How a caller names the contract's fields in its own messages, e.g. `{ maxTokens: "--max-tokens" }`. */
export type FieldNames = Readonly<Record<string, string>>;

/** Options of the validators. */
export interface ValidateOptions {
  /** The caller's names for fields (flags, wire-format params); unnamed fields keep the contract's name. */
  names?: FieldNames;
  /** Where the request came from, for the message (a file path, a route). */
  where?: string;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return `a ${typeof value}`;
}

function closest(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase().replace(/[_-]/g, "");
  return known.find((k) => k.toLowerCase() === lower);
}

/**
 * Validates an options object field by field against `fields` (each a zod schema and a "must be …"
 * phrase); unknown keys are errors that suggest the nearest known name. Layers that own other option
 * sets (the engine's load options) use it so every option error reads the same.
 */
export function validateOptionFields<T>(
  fields: Readonly<Record<string, FieldSpec>>,
  input: unknown,
  what: string,
  options: ValidateOptions,
): T {
  const names = options.names ?? {};
  const nameOf = (field: string): string => names[field] ?? field;
  const fail = (field: string | undefined, message: string, hint?: string): never => {
    throw new AtlasError("BAD_ARGUMENT", message, {
      ...(options.where === undefined ? {} : { where: options.where }),
      ...(hint === undefined ? {} : { hint }),
      ...(field === undefined ? {} : { details: { field } }),
    });
  };
  if (input === undefined || input === null) return {} as T;
  if (typeof input !== "object" || Array.isArray(input)) fail(undefined, `${what} must be an object`);
  const known = Object.keys(fields);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    const spec = fields[key];
    if (spec === undefined) {
      const near = closest(key, known);
      fail(
        key,
        `unknown ${what} field '${key}'`,
        near === undefined ? `known fields: ${known.join(", ")}` : `did you mean '${near}'?`,
      );
    }
    if (value === undefined) continue;
    const parsed = spec!.schema.safeParse(value);
    if (!parsed.success) fail(key, `${nameOf(key)} must be ${spec!.what}, got ${describe(value)}`);
    out[key] = value;
  }
  return out as T;
}

/**
 * Checks generation options; returns them unchanged (without undefined fields) or throws
 * `AtlasError("BAD_ARGUMENT")` naming the field.
 * @example validateGenerateOptions({ temperature: -1 }) // throws "temperature must be a number from 0 to 10 …"
 */
export function validateGenerateOptions(input: unknown, options: ValidateOptions = {}): GenerateOptions {
  const out = validateOptionFields<GenerateOptions>(GENERATE_FIELDS, input, "generation option", options);
  if (out.logitBias !== undefined) {
    out.logitBias = Object.fromEntries(
      Object.entries(out.logitBias).map(([k, v]) => [Number(k), v] as const),
    );
  }
  return out;
}

/** Checks the options of a scoring request. */
export function validateScoreOptions(input: unknown, options: ValidateOptions = {}): ScoreOptions {
  return validateOptionFields<ScoreOptions>(SCORE_FIELDS, input, "scoring option", options);
}

/**
 * Parses one option from text (a CLI flag, a chat `/set` value) and validates it: the one place that
 * turns "0.7" into 0.7 and checks its range.
 * @throws AtlasError BAD_ARGUMENT naming the field (with the caller's name for it)
 */
export function parseGenerateOption<K extends keyof GenerateOptions>(
  field: K,
  raw: string,
  options: ValidateOptions = {},
): GenerateOptions[K] {
  const spec = (GENERATE_FIELDS as Record<string, FieldSpec>)[field];
  const name = options.names?.[field] ?? field;
  let value: unknown = raw;
  if (spec === undefined) throw new AtlasError("BAD_ARGUMENT", `unknown option '${name}'`);
  if (spec.schema instanceof z.ZodNumber) {
    value = raw.trim() === "" ? Number.NaN : Number(raw);
  } else if (field === "cachePrompt") {
    value = raw === "true" || raw === "on" ? true : raw === "false" || raw === "off" ? false : raw;
  }
  if (!spec.schema.safeParse(value).success) {
    throw new AtlasError("BAD_ARGUMENT", `${name} must be ${spec.what}, got ${describe(raw)}`, {
      ...(options.where === undefined ? {} : { where: options.where }),
      details: { field },
    });
  }
  return validateGenerateOptions({ [field]: value }, options)[field];
}

/** What each generation option must be, for help texts ("temperature: a number from 0 to 10 …"). */
export function describeGenerateOption(field: keyof GenerateOptions): string {
  return (GENERATE_FIELDS as Record<string, FieldSpec>)[field]!.what;
}

/** Options of {@link validateMessages}. */
export interface ValidateMessagesOptions extends ValidateOptions {
  /** Require the last message to be the user's (a reply is asked for). Default false. */
  lastFromUser?: boolean;
}

/**
 * Checks a conversation: a non-empty list (at most {@link REQUEST_LIMITS.maxMessages}) of
 * `{ role, content }` objects with known roles and string content, a `system` message only first.
 * Whether roles must alternate is the chat template's rule (Gemma's refuses two user turns in a row:
 * `AtlasError("TEMPLATE")`). Returns fresh `{ role, content }` copies.
 */
export function validateMessages(input: unknown, options: ValidateMessagesOptions = {}): ChatMessage[] {
  const names = options.names ?? {};
  const base = names.messages ?? "messages";
  const fail = (field: string, message: string, hint?: string): never => {
    throw new AtlasError("BAD_ARGUMENT", message, {
      ...(options.where === undefined ? {} : { where: options.where }),
      ...(hint === undefined ? {} : { hint }),
      details: { field },
    });
  };
  if (!Array.isArray(input)) fail("messages", `${base} must be a list of messages, got ${describe(input)}`);
  const list = input as unknown[];
  if (list.length === 0) fail("messages", `${base} is empty`, "send at least one message with role 'user'");
  if (list.length > REQUEST_LIMITS.maxMessages) {
    throw new AtlasError(
      "BAD_ARGUMENT",
      `${base} has ${list.length} messages; at most ${REQUEST_LIMITS.maxMessages} are accepted`,
      {
        hint: "shorten the conversation",
        details: { field: "messages", limit: REQUEST_LIMITS.maxMessages, actual: list.length },
      },
    );
  }
  return list.map((item, i) => {
    const at = `messages[${i}]`;
    const label = `${base}[${i}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item))
      fail(at, `${label} must be an object {role, content}, got ${describe(item)}`);
    const message = item as Record<string, unknown>;
    for (const key of Object.keys(message)) {
      if (key !== "role" && key !== "content")
        fail(`${at}.${key}`, `${label} has an unknown field '${key}'`, "a message has only role and content");
    }
    const role = message.role;
    if (typeof role !== "string" || !(CHAT_ROLES as readonly string[]).includes(role))
      fail(`${at}.role`, `${label}.role must be one of ${CHAT_ROLES.join(", ")}, got ${describe(role)}`);
    const content = message.content;
    if (typeof content !== "string")
      fail(`${at}.content`, `${label}.content must be text, got ${describe(content)}`);
    if ((content as string).length > REQUEST_LIMITS.maxMessageChars) {
      throw new AtlasError(
        "BAD_ARGUMENT",
        `${label}.content has ${(content as string).length} characters; at most ${REQUEST_LIMITS.maxMessageChars} are accepted`,
        {
          details: {
            field: `${at}.content`,
            limit: REQUEST_LIMITS.maxMessageChars,
            actual: (content as string).length,
          },
        },
      );
    }
    if (role === "system" && i > 0)
      fail(
        `${at}.role`,
        `${label} is a system message; only the first message may be one`,
        "put the system instructions first, once",
      );
    if (options.lastFromUser === true && i === list.length - 1 && role !== "user")
      fail(`${at}.role`, `the last message must be the user's, got '${String(role)}'`);
    return { role: role as ChatMessage["role"], content: content as string };
  });
}

export function validateEmbedOptions(input: unknown, options: ValidateOptions = {}): EmbedOptions {
  return validateOptionFields<EmbedOptions>(EMBED_FIELDS, input, "embedding option", options);
}

/**
 * An input to embed must fit the model's context (callers that truncate do it before).
 * @throws AtlasError CONTEXT_OVERFLOW with {field, limit, actual}
 */
export function checkEmbedLength(tokens: number, contextSize: number, field = "input"): void {
  if (tokens > contextSize)
    throw new AtlasError(
      "CONTEXT_OVERFLOW",
      `the input to embed is ${tokens} tokens but the context holds ${contextSize}`,
      {
        hint: "shorten the input, let the server truncate it (Ollama's truncate: true), or load the model with a larger --ctx-size",
        details: { field, limit: contextSize, actual: tokens },
      },
    );
}

/**
 * Checks token ids (a prompt, a scoring context or continuation) against the vocabulary.
 * @param field the contract's name for the list, e.g. "prompt" or "continuations[2]"
 */
export function validateTokens(
  tokens: unknown,
  vocabSize: number,
  field: string,
  options: { allowEmpty?: boolean } = {},
): number[] {
  if (!Array.isArray(tokens))
    throw new AtlasError("BAD_ARGUMENT", `${field} must be a list of token ids, got ${describe(tokens)}`, {
      details: { field },
    });
  if (tokens.length === 0 && options.allowEmpty !== true)
    throw new AtlasError("BAD_ARGUMENT", `${field} is empty`, { details: { field } });
  for (const [i, t] of (tokens as unknown[]).entries()) {
    if (typeof t !== "number" || !Number.isInteger(t) || t < 0 || t >= vocabSize) {
      throw new AtlasError(
        "BAD_ARGUMENT",
        `${field}[${i}] is token id ${describe(t)}, outside the vocabulary 0..${vocabSize - 1}`,
        { details: { field: `${field}[${i}]` } },
      );
    }
  }
  return tokens as number[];
}

/**
 * Checks a scoring request: a non-empty context and 1…{@link REQUEST_LIMITS.maxContinuations}
 * non-empty continuations of token ids.
 */
export function validateScoreRequest(
  context: unknown,
  continuations: unknown,
  vocabSize: number,
): { context: number[]; continuations: number[][] } {
  const ctx = validateTokens(context, vocabSize, "context");
  if (!Array.isArray(continuations))
    throw new AtlasError("BAD_ARGUMENT", `continuations must be a list, got ${describe(continuations)}`, {
      details: { field: "continuations" },
    });
  if (continuations.length > REQUEST_LIMITS.maxContinuations)
    throw new AtlasError(
      "BAD_ARGUMENT",
      `${continuations.length} continuations; at most ${REQUEST_LIMITS.maxContinuations} per request`,
      {
        details: {
          field: "continuations",
          limit: REQUEST_LIMITS.maxContinuations,
          actual: continuations.length,
        },
      },
    );
  const conts = (continuations as unknown[]).map((c, i) =>
    validateTokens(c, vocabSize, `continuations[${i}]`),
  );
  return { context: ctx, continuations: conts };
}
