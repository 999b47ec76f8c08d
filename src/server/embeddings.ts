/**
 * Embeddings (`/api/embed`, `/api/embeddings`, `/v1/embeddings`): not served. A real embedding is a
 * pooled hidden state of the model; the engine exposes logits only, and vectors made from logits would
 * be fake. The routes check the request and the model (404 for an unknown one), then answer 501.
 */
import { AtlasError } from "../core/index.js";

/** The 501 error of the embedding routes. */
export function embeddingsUnsupported(): AtlasError {
  return new AtlasError(
    "UNSUPPORTED",
    "embeddings are not available: the engine exposes logits, not hidden states, so atlas serve cannot compute real embeddings",
    { hint: "use a dedicated embedding model server for embeddings; see docs/serve.md" },
  );
}
