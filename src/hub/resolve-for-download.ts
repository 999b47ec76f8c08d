/**
 * Revision → commit for a download, with what Python's `snapshot_download` does around it:
 *
 * - **Offline fallback.** When the hub cannot be reached (no route, DNS, timeouts, 5xx, a rate limit)
 *   and the cache already knows the commit (`refs/<revision>`, a sha given as such, or the atlas store),
 *   that commit is used with a warning instead of failing. As in Python the first try is then not
 *   retried — the cached answer is there — while a download that has no cached answer keeps every retry.
 * - **Tokens.** An expired stored token is not sent (the caller hears why); a token from the environment
 *   or the token file that the hub rejects (401) is dropped with a warning and the request made again
 *   anonymously, so a public model still downloads. A `--token` the hub rejects stays an error.
 */
import { isAtlasError, type AtlasError } from "../core/index.js";
import { isCommitSha, repoCachePaths } from "./cache-layout.js";
import { readRef } from "./cache-refs.js";
import type { HubRequestOptions } from "./hub-fetch.js";
import { isTokenRejected } from "./hub-error.js";
import { resolveRevision } from "./resolve-revision.js";
import { expiredTokenAdvice, type TokenInfo } from "./resolve-token.js";
import type { RepoType } from "./repo-id.js";

/** Options of {@link resolveForDownload}. */
export interface ResolveForDownloadOptions extends Omit<HubRequestOptions, "token"> {
  /** `org/name` as the user gave it. */
  repo: string;
  revision: string;
  /** The HF cache whose `refs/` may answer when the hub cannot. */
  cacheDir: string;
  repoType?: RepoType | undefined;
  /** The token and where it came from (`resolveTokenInfo`). */
  tokenInfo: TokenInfo;
  /** Another place that may know the commit when the hub is unreachable (the atlas store's manifests). */
  knownSha?: (() => Promise<string | undefined>) | undefined;
  /** Warnings for the user (fallback to the cache, a dropped token). Default `process.emitWarning`. */
  onWarning?: ((message: string) => void) | undefined;
}

/** What {@link resolveForDownload} found. */
export interface ResolvedForDownload {
  sha: string;
  /** The id as the hub spells it (ids are case-insensitive); the given id when the hub was not asked. */
  id: string;
  /** The token to send from now on (undefined once the hub rejected an implicit one). */
  token: string | undefined;
  /** Why no token is sent although the user has one, for error hints. */
  noTokenBecause?: string;
  /** Set when the hub could not be reached and the commit came from the cache. */
  fallback?: { reason: string; from: "sha" | "refs" | "store" };
}

/** An AtlasError's message without its `where: ` prefix and ` — hint` suffix. */
function bareMessage(error: AtlasError): string {
  let text = error.message;
  if (error.where !== undefined && text.startsWith(`${error.where}: `))
    text = text.slice(error.where.length + 2);
  if (error.hint !== undefined && text.endsWith(` — ${error.hint}`))
    text = text.slice(0, -(error.hint.length + 3));
  return text;
}

/** Where an implicit token came from, in words. */
function tokenOrigin(info: TokenInfo): string {
  if (info.source === "file") return `the token file ${info.path ?? ""}`.trim();
  return info.source;
}

/**
 * Resolves `revision` of `repo` for a download, falling back to the cache when the hub is unreachable.
 * @throws AtlasError NOT_FOUND, AUTH, NETWORK (unreachable with nothing cached), ABORTED.
 */
export async function resolveForDownload(options: ResolveForDownloadOptions): Promise<ResolvedForDownload> {
  const warn = options.onWarning ?? ((message: string) => process.emitWarning(message));
  const { tokenInfo } = options;
  for (const warning of tokenInfo.warnings) warn(warning);
  let noTokenBecause = tokenInfo.expired === undefined ? undefined : expiredTokenAdvice(tokenInfo.expired);
  if (noTokenBecause !== undefined) warn(`${noTokenBecause}; continuing without a token`);
  const paths = repoCachePaths(options.cacheDir, options.repo, options.repoType);
  let from: "sha" | "refs" | "store" | undefined;
  let local: string | undefined;
  if (isCommitSha(options.revision)) [from, local] = ["sha", options.revision];
  else if ((local = await readRef(paths, options.revision)) !== undefined) from = "refs";
  else if ((local = await options.knownSha?.()) !== undefined) from = "store";
  let token = tokenInfo.token;
  for (;;) {
    try {
      const info = await resolveRevision({
        ...options,
        token,
        noTokenBecause,
        // With a cached answer, fall back at the first failure rather than after minutes of retries.
        retry: local === undefined ? options.retry : { ...options.retry, retries: 0 },
      });
      return {
        sha: info.sha,
        id: info.id,
        token,
        ...(noTokenBecause === undefined ? {} : { noTokenBecause }),
      };
    } catch (error) {
      if (token !== undefined && tokenInfo.source !== "option" && isTokenRejected(error)) {
        noTokenBecause = `the hub rejects the token from ${tokenOrigin(tokenInfo)} (401: expired, revoked or mistyped); run \`hf auth login\` or fix ${tokenInfo.source === "file" ? "the token file" : tokenInfo.source}`;
        warn(`${noTokenBecause}; continuing without a token`);
        token = undefined;
        continue;
      }
      if (isAtlasError(error, "NETWORK") && local !== undefined && from !== undefined) {
        const reason = bareMessage(error);
        const where = from === "store" ? "the atlas store" : "the Hugging Face cache";
        warn(
          `${reason}; using ${options.repo}@${options.revision} = ${local} from ${where} (as huggingface_hub does when the hub cannot be reached)`,
        );
        return {
          sha: local,
          id: options.repo,
          token,
          ...(noTokenBecause === undefined ? {} : { noTokenBecause }),
          fallback: { reason, from },
        };
      }
      throw error;
    }
  }
}
