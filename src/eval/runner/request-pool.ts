/**
 * Runs many requests on one model, keeping `concurrency` of them in flight (so a 4-sequence engine always
 * has work queued behind the running requests), answering from the cache first, running identical
 * requests once, and storing each answer as soon as it arrives. The first failure (or an abort) stops
 * new work; finished answers stay cached for `--resume`.
 */
import { AtlasError } from "../../core/index.js";
import { mapLimit } from "../../hub/index.js";
import { runEvalRequest, type EvalModel, type EvalRequest, type EvalResponse } from "./eval-model.js";
import { requestKey, type RequestCache } from "./request-cache.js";

/** Options of {@link runRequests}. */
export interface RunRequestsOptions {
  model: EvalModel;
  requests: readonly EvalRequest[];
  cache?: RequestCache | undefined;
  /** Default `model.concurrency`. */
  concurrency?: number | undefined;
  signal?: AbortSignal | undefined;
  /** After each request (cached or computed), with its index. */
  onDone?: ((index: number, fromCache: boolean) => void) | undefined;
}

/** What {@link runRequests} did. */
export interface RunRequestsResult {
  responses: EvalResponse[];
  /** Requests answered by the model in this run (not from the cache, duplicates counted once). */
  computed: number;
  cached: number;
}

/** Runs `requests`; responses come back in request order. */
export async function runRequests(options: RunRequestsOptions): Promise<RunRequestsResult> {
  const { model, cache, signal } = options;
  const inFlight = new Map<string, Promise<EvalResponse>>();
  let computed = 0;
  let cached = 0;
  const indices = options.requests.map((_, i) => i);
  const responses = await mapLimit(
    indices,
    options.concurrency ?? model.concurrency,
    async (index, shared) => {
      if (shared.aborted) throw new AtlasError("ABORTED", "evaluation cancelled", { cause: shared.reason });
      const request = options.requests[index]!;
      const hit = cache?.get(model.id, request);
      if (hit !== undefined) {
        cached++;
        options.onDone?.(index, true);
        return hit;
      }
      const key = requestKey(request);
      let pending = inFlight.get(key);
      if (pending === undefined) {
        pending = runEvalRequest(model, request, shared).then((response) => {
          computed++;
          cache?.put(model.id, request, response);
          return response;
        });
        inFlight.set(key, pending);
      }
      const response = await pending;
      options.onDone?.(index, false);
      return response;
    },
    signal,
  );
  return { responses, computed, cached };
}
