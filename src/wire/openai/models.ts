/** OpenAI's `/v1/models` list and model object, and the embeddings route. */
import { z } from "zod";
import { int, object, oneOf, opt, text } from "../fields.js";

/** One model. */
export const ModelObjectSchema = z.looseObject({
  id: z.string(),
  object: z.literal("model").optional(),
  created: z.number().nullish(),
  owned_by: z.string().nullish(),
});

/** A model as the server writes it. */
export type ModelObject = z.input<typeof ModelObjectSchema>;

/** `GET /v1/models`. */
export const ModelListSchema = z.looseObject({
  object: z.literal("list").optional(),
  data: z.array(ModelObjectSchema),
});

/** The model list as the server writes it. */
export type ModelList = z.input<typeof ModelListSchema>;

/** Inputs per embedding request (OpenAI's limit). */
export const MAX_EMBEDDING_INPUTS = 2048;

/** `POST /v1/embeddings`. */
export const EmbeddingsRequestSchema = object({
  model: text(),
  /** Text, texts, token ids or lists of them: checked by the server's embedding mapper, which names the item. */
  input: opt(z.unknown()),
  encoding_format: opt(oneOf(["float", "base64"])),
  dimensions: opt(int(1, 1_048_576)),
  user: opt(text()),
});

/** A parsed `/v1/embeddings` request. */
export type EmbeddingsRequest = z.output<typeof EmbeddingsRequestSchema>;

/** `/v1/embeddings`'s answer. */
export const EmbeddingsResponseSchema = z.looseObject({
  object: z.literal("list").optional(),
  data: z.array(
    z.looseObject({
      object: z.literal("embedding").optional(),
      index: z.number(),
      embedding: z.union([z.array(z.number()), z.string()]),
    }),
  ),
  model: z.string().optional(),
  usage: z.looseObject({ prompt_tokens: z.number(), total_tokens: z.number().optional() }).nullish(),
});

/** The embeddings answer as the server writes it. */
export type EmbeddingsResponse = z.input<typeof EmbeddingsResponseSchema>;
