/** Turns hub HTTP failures into AtlasErrors that tell the user what to do. */
import { AtlasError, type AtlasErrorCode } from "../core/index.js";

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
  /**
   * Why no token was sent although the user has one (an expired stored token): said instead of the
   * usual "set HF_TOKEN" when the hub wants a token.
   */
  noTokenBecause?: string | undefined;
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

/** The hub's answer behind an AtlasError from {@link hubHttpError} (its `cause`), for code that reacts to it. */
export class HubAnswerError extends Error {
  override readonly name = "HubAnswerError";

  constructor(readonly failure: HubFailure) {
    super(`the hub answered ${failure.status}${failure.errorCode ? ` (${failure.errorCode})` : ""}`);
  }
}

/** The hub's answer behind `error`, when it came from one. */
export function hubAnswerOf(error: unknown): HubFailure | undefined {
  const cause = typeof error === "object" && error !== null && "cause" in error ? error.cause : undefined;
  return cause instanceof HubAnswerError ? cause.failure : undefined;
}

/**
 * True when the hub refused the token itself (401 "invalid credentials": expired, revoked, mistyped),
 * not a gated or missing repo — the answer after which an anonymous try may still work.
 */
export function isTokenRejected(error: unknown): boolean {
  const failure = hubAnswerOf(error);
  return (
    failure !== undefined &&
    failure.status === 401 &&
    !["GatedRepo", "RepoNotFound", "RevisionNotFound", "EntryNotFound"].includes(failure.errorCode ?? "")
  );
}

/** An error before it becomes an AtlasError (whose message would already contain `where` and `hint`). */
interface MappedFailure {
  code: AtlasErrorCode;
  text: string;
  where?: string;
  hint?: string;
}

function mapped(
  code: AtlasErrorCode,
  text: string,
  options: { where?: string; hint?: string } = {},
): MappedFailure {
  return { code, text, ...options };
}

/**
 * Maps a failed hub answer to an AtlasError:
 * gated repo → AUTH (accept the license, set a token); 401/404 for a missing repo → NOT_FOUND;
 * missing revision or file → NOT_FOUND; other 401/403 → AUTH; anything else → NETWORK.
 */
export function hubHttpError(failure: HubFailure, context: HubRequestContext): AtlasError {
  const error = mapHubFailure(failure, context);
  return new AtlasError(error.code, error.text, {
    cause: new HubAnswerError(failure),
    ...(error.where === undefined ? {} : { where: error.where }),
    ...(error.hint === undefined ? {} : { hint: error.hint }),
  });
}

function mapHubFailure(failure: HubFailure, context: HubRequestContext): MappedFailure {
  const { status } = failure;
  const repo = context.repo ?? "the repository";
  const page = context.repo === undefined ? context.endpoint : `${context.endpoint}/${context.repo}`;
  const detail = failure.message ? ` (hub says: ${failure.message})` : "";
  // Gated / not-found messages name the model; the request URL (kept for the rest) would only bury that.
  const where = failure.url;
  const code = failure.errorCode ?? undefined;
  if (code === "GatedRepo" || ((status === 401 || status === 403) && /gated|restricted/i.test(detail))) {
    return context.hasToken
      ? mapped("AUTH", `your token has no access to the gated model ${repo}`, {
          hint: `accept its license at ${page} with the account that owns the token, then run again`,
        })
      : mapped("AUTH", `the model ${repo} is gated`, {
          hint:
            context.noTokenBecause === undefined
              ? `accept its license at ${page} and set HF_TOKEN or run with --token`
              : `${context.noTokenBecause} (and accept the license at ${page} if you have not)`,
        });
  }
  if (code === "RevisionNotFound")
    return mapped("NOT_FOUND", `no such revision '${context.revision ?? "?"}' of ${repo}${detail}`, {
      hint: "check the branch, tag or commit sha given with --revision",
    });
  if (code === "EntryNotFound")
    return mapped("NOT_FOUND", `no file '${context.path ?? "?"}' in ${repo}${detail}`, {
      hint: `see the file list at ${page}/tree/${context.revision ?? "main"}`,
    });
  if (code === "RepoNotFound" || status === 404 || (status === 401 && !context.hasToken)) {
    const revision = context.revision === undefined ? "" : ` (revision '${context.revision}')`;
    return mapped("NOT_FOUND", `no such model or revision: ${repo}${revision}${detail}`, {
      hint: context.hasToken
        ? "check the spelling of the model id"
        : context.noTokenBecause === undefined
          ? "check the spelling; if the model is private, set HF_TOKEN or run with --token"
          : `check the spelling; if the model is private: ${context.noTokenBecause}`,
    });
  }
  if (status === 401)
    return mapped("AUTH", `the hub rejected the token (401)${detail}`, {
      where,
      hint: "check HF_TOKEN / --token (create one at https://huggingface.co/settings/tokens)",
    });
  if (status === 403)
    return mapped("AUTH", `access to ${repo} denied (403)${detail}`, {
      where,
      hint: "use a token with read access to this repository",
    });
  return mapped("NETWORK", `the hub answered ${status}${detail}`, {
    where,
    hint: "try again later; HF_HUB_OFFLINE=1 uses only files already in the cache",
  });
}
