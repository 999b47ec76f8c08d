/**
 * The HTTP server: `createApp` builds an Ollama- and OpenAI-compatible Hono app over the engine (or an
 * upstream OpenAI-compatible server). May import core, config, engine (interface), templates, hub, store
 * and api.
 */
export * from "./create-app.js";
export type {
  Backend,
  GenerationRequest as ServerGenerationRequest,
  ModelListing,
  RunningModel,
} from "./backend.js";
export type { ConfiguredModel } from "./model-catalog.js";
export { jsonSchemaToGbnf, JSON_OBJECT_GRAMMAR, type JsonSchema } from "./json-schema-to-gbnf.js";
export { ServerMetrics } from "./metrics.js";
export { isLoopbackHost } from "./guards.js";
export { listen, type ListeningServer, type ListenOptions } from "./listen.js";
export { parseGoDuration } from "./ollama/keep-alive.js";
export type { UpstreamOptions } from "./upstream/upstream-client.js";
