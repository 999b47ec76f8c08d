/**
 * The HTTP wire formats (docs/architecture.md): one zod schema and inferred type per Ollama / OpenAI /
 * vLLM request, stream chunk and response; the boundary rule (unknown fields dropped and reported, known
 * fields strictly checked) in boundary.ts; the one OpenAI-compatible client used by the upstream proxy
 * and by eval's remote backend. May import src/core only.
 */
export * from "./boundary.js";
export * from "./fields.js";
export * from "./openai/chat.js";
export * from "./openai/completions.js";
export * from "./openai/models.js";
export * from "./vllm/tokenize.js";
export * from "./client/http-error.js";
export * from "./client/openai-client.js";
export * from "./client/retry-policy.js";
export * from "./client/sse.js";
