/**
 * vLLM's tokenizer routes at the server's root — `POST /tokenize`, `POST /detokenize`,
 * `GET /tokenizer_info` — as their own sub-app with OpenAI-shaped errors (vLLM's `ErrorResponse`).
 * lm-evaluation-harness's remote tokenizer sends no `model`: the server's only model is meant.
 */
import type { Hono } from "hono";
import { DetokenizeRequestSchema, readWireBody, TokenizeRequestSchema } from "../../wire/index.js";
import { note, requestSignal, wireOptions, type AppEnv, type ServerContext } from "../app-context.js";
import { dialectApp } from "../route-handler.js";
import {
  detokenizeReply,
  optionalModel,
  tokenizeCall,
  tokenizeReply,
  tokenizerInfoReply,
} from "./tokenize-mappers.js";

/** The tokenizer routes. */
export function tokenizerRoutes(context: ServerContext): Hono<AppEnv> {
  const app = dialectApp({ kind: "openai" });
  const { backend } = context;
  const modelOf = async (named: string | undefined): Promise<string> =>
    named ?? (await backend.defaultModel());
  app.post("/tokenize", async (c) => {
    const call = tokenizeCall(await readWireBody(c.req.raw, TokenizeRequestSchema, wireOptions(c, context)));
    const model = await modelOf(call.model);
    note(c).model = model;
    const result = await backend.tokenize(model, call.input, call.withPieces, requestSignal(c, context));
    note(c).promptTokens = result.tokens.length;
    return c.json(tokenizeReply(result));
  });
  app.post("/detokenize", async (c) => {
    const body = await readWireBody(c.req.raw, DetokenizeRequestSchema, wireOptions(c, context));
    const model = await modelOf(optionalModel(body.model));
    note(c).model = model;
    return c.json(detokenizeReply(await backend.detokenize(model, body.tokens, requestSignal(c, context))));
  });
  app.get("/tokenizer_info", async (c) => {
    const model = await modelOf(optionalModel(c.req.query("model")));
    note(c).model = model;
    return c.json(tokenizerInfoReply(await backend.tokenizerInfo(model, requestSignal(c, context))));
  });
  return app;
}
