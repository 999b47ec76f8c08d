/**
 * Embeddings (`/api/embed`, `/api/embeddings`, `/v1/embeddings`): what both wire formats share — the
 * `dimensions` cut and normalisation applied to the engine's vectors (the mean of the model's final hidden
 * states over the input's tokens; see EngineModel.embed).
 */
import { normalizeVector } from "../api/index.js";
import type { EmbeddingInput } from "./backend.js";
import { badField, typeName } from "./json-body.js";

/** Inputs per embedding request (OpenAI's limit); the body-size limit bounds their length. */
export const MAX_EMBEDDING_INPUTS = 2048;

function isTokenList(value: unknown): value is number[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((t) => typeof t === "number" && Number.isInteger(t) && t >= 0)
  );
}

/**
 * An embedding request's inputs: text or a list of texts (both APIs), and with `tokens` also token ids or
 * a list of them (OpenAI). Empty text is dropped when `dropEmpty` (Ollama answers no vector for it) and
 * refused otherwise (OpenAI).
 * @throws AtlasError BAD_ARGUMENT naming the field
 */
export function parseEmbeddingInputs(
  value: unknown,
  field: string,
  o: { tokens: boolean; dropEmpty: boolean },
): EmbeddingInput[] {
  const one = (v: unknown, where: string): EmbeddingInput | undefined => {
    if (typeof v === "string") {
      if (v !== "") return { kind: "text", text: v };
      if (o.dropEmpty) return undefined;
      throw badField(where, `${where} is empty; there is nothing to embed`);
    }
    if (o.tokens && isTokenList(v)) return { kind: "tokens", tokens: v };
    throw badField(
      where,
      `${where} must be text${o.tokens ? " or a list of token ids" : ""}, got ${typeName(v)}`,
    );
  };
  if (value === undefined || value === null) {
    if (o.dropEmpty) return [];
    throw badField(field, `${field} is missing; send the text to embed`);
  }
  if (typeof value === "string" || (o.tokens && isTokenList(value))) {
    const input = one(value, field);
    return input === undefined ? [] : [input];
  }
  if (Array.isArray(value)) {
    if (value.length === 0 && !o.dropEmpty) throw badField(field, `${field} is an empty list`);
    if (value.length > MAX_EMBEDDING_INPUTS)
      throw badField(
        field,
        `${field} holds ${value.length} inputs; at most ${MAX_EMBEDDING_INPUTS} per request`,
      );
    return value.flatMap((v: unknown, i) => {
      const input = one(v, `${field}[${i}]`);
      return input === undefined ? [] : [input];
    });
  }
  throw badField(
    field,
    `${field} must be text or a list of texts${o.tokens ? " (or token ids)" : ""}, got ${typeName(value)}`,
  );
}

/** `dimensions` when present: a whole number ≥ 1 (checked against the model later). */
export function parseDimensions(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1)
    throw badField("dimensions", `dimensions must be a whole number ≥ 1, got ${typeName(value)}`);
  return value;
}

/** Checks a requested `dimensions` against the model's embedding size. */
export function checkDimensions(dimensions: number | undefined, size: number): void {
  if (dimensions !== undefined && (dimensions < 1 || dimensions > size))
    throw badField(
      "dimensions",
      `dimensions must be between 1 and ${size} (this model's embedding size), got ${dimensions}`,
    );
}

/** The vector a route returns: cut to `dimensions` when asked, then normalised when asked. */
export function shapeEmbedding(
  raw: Float32Array,
  options: { normalize: boolean; dimensions?: number | undefined },
): Float32Array {
  const cut = options.dimensions === undefined ? raw : raw.subarray(0, options.dimensions);
  return options.normalize ? normalizeVector(cut) : Float32Array.from(cut);
}
