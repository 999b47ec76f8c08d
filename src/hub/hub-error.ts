/** Turns hub HTTP failures into AtlasErrors that tell the user what to do. */
import { AtlasError } from "../core/index.js";

/** What a request was about, for messages. */
export interface HubRequestContext {
  /** Hub endpoint, e.g. https://huggingface.co (used to build the model page URL). */
  endpoint: string;
  repo?: string;
  revision?: string;
  /** File inside the repo. */
  path?: string;
  /** Whether a token was sent. */
  hasToken: boolean;
}

/** The parts of a failed response the mapping needs (so tests can build one without `Response`). */
export interface HubFailure {
  status: number;
  /** The hub's `X-Error-Code` header: GatedRepo, RepoNotFound, RevisionNotFound, EntryNotFound … */
  errorCode?: string | null;
  /** `X-Error-Message` or the body's `error` field. */
  message?: string | null;
  url: string;
}

/**
 * Maps a failed hub answer to an AtlasError:
 * gated repo → AUTH (accept the license, set a token); 401/404 for a missing repo → NOT_FOUND;
 * missing revision or file → NOT_FOUND; other 401/403 → AUTH; anything else → NETWORK.
 */
export function hubHttpError(failure: HubFailure, context: HubRequestContext): AtlasError {
  const { status } = failure;
  const repo = context.repo ?? "the repository";
  const page = context.repo === undefined ? context.endpoint : `${context.endpoint}/${context.repo}`;
  const detail = failure.message ? ` (hub says: ${failure.message})` : "";
  // Gated / not-found messages name the model; the request URL (kept for the rest) would only bury that.
  const where = failure.url;
  const code = failure.errorCode ?? undefined;
  if (code === "GatedRepo" || ((status === 401 || status === 403) && /gated|restricted/i.test(detail))) {
    return context.hasToken
      ? new AtlasError("AUTH", `your token has no access to the gated model ${repo}`, {
          hint: `accept its license at ${page} with the account that owns the token, then run again`,
        })
      : new AtlasError("AUTH", `the model ${repo} is gated`, {
          hint: `accept its license at ${page} and set HF_TOKEN or run with --token`,
        });
  }
  if (code === "RevisionNotFound")
    return new AtlasError("NOT_FOUND", `no such revision '${context.revision ?? "?"}' of ${repo}${detail}`, {
      hint: "check the branch, tag or commit sha given with --revision",
    });
  if (code === "EntryNotFound")
    return new AtlasError("NOT_FOUND", `no file '${context.path ?? "?"}' in ${repo}${detail}`, {
      hint: `see the file list at ${page}/tree/${context.revision ?? "main"}`,
    });
  if (code === "RepoNotFound" || status === 404 || (status === 401 && !context.hasToken)) {
    const revision = context.revision === undefined ? "" : ` (revision '${context.revision}')`;
    return new AtlasError("NOT_FOUND", `no such model or revision: ${repo}${revision}${detail}`, {
      hint: context.hasToken
        ? "check the spelling of the model id"
        : "check the spelling; if the model is private, set HF_TOKEN or run with --token",
    });
  }
  if (status === 401)
    return new AtlasError("AUTH", `the hub rejected the token (401)${detail}`, {
      where,
      hint: "check HF_TOKEN / --token (create one at https://huggingface.co/settings/tokens)",
    });
  if (status === 403)
    return new AtlasError("AUTH", `access to ${repo} denied (403)${detail}`, {
      where,
      hint: "use a token with read access to this repository",
    });
  return new AtlasError("NETWORK", `the hub answered ${status}${detail}`, {
    where,
    hint: "try again later; HF_HUB_OFFLINE=1 uses only files already in the cache",
  });
}
