/** Branch / tag / sha → commit sha, through the hub's model-info API (via @huggingface/hub). */
import { datasetInfo, modelInfo } from "@huggingface/hub";
import { AtlasError } from "../core/index.js";
import { hfEndpoint } from "../config/index.js";
import { isCommitSha } from "./cache-layout.js";
import { createHubFetch, type HubRequestOptions } from "./hub-fetch.js";
import type { RepoType } from "./repo-id.js";

/** Options of {@link resolveRevision}. */
export interface ResolveRevisionOptions extends HubRequestOptions {
  /** `org/name` */
  repo: string;
  /** Branch, tag or commit sha (default "main"). */
  revision?: string | undefined;
  /** Default "model"; datasets are read through the dataset-info API. */
  repoType?: RepoType | undefined;
}

/** What the hub says about a model at a revision. */
export interface RevisionInfo {
  /** The id as asked. */
  repo: string;
  /** The id as the hub spells it (ids are case-insensitive: `mbzuai-paris/atlas-chat-2b` → `MBZUAI-Paris/Atlas-Chat-2B`). */
  id: string;
  /** The revision as asked. */
  revision: string;
  /** The commit it points to. */
  sha: string;
  /** `false`, or how access is granted ("auto" / "manual"). */
  gated: false | "auto" | "manual";
  private: boolean;
}

/**
 * Resolves `revision` to a commit sha first, as Python does (`X-Repo-Commit`), so that every file of a
 * pull comes from the same commit and lands in `snapshots/<sha>/`.
 * @throws AtlasError NOT_FOUND ("no such model or revision"), AUTH, NETWORK.
 * @example const { sha } = await resolveRevision({ repo: "MBZUAI-Paris/Atlas-Chat-2B" });
 */
export async function resolveRevision(options: ResolveRevisionOptions): Promise<RevisionInfo> {
  const endpoint = options.endpoint ?? hfEndpoint();
  const revision = options.revision ?? "main";
  const hubFetch = createHubFetch({
    fetch: options.fetch,
    context: {
      endpoint,
      repo: options.repo,
      revision,
      hasToken: options.token !== undefined,
      noTokenBecause: options.noTokenBecause,
    },
    token: options.token,
    signal: options.signal,
    retry: options.retry,
    onRetry: options.onRetry,
    env: options.env,
    rateLimitGate: options.rateLimitGate,
    onRateLimit: options.onRateLimit,
  });
  const query = { name: options.repo, revision, hubUrl: endpoint, fetch: hubFetch };
  const info =
    options.repoType === "dataset"
      ? await datasetInfo({ ...query, additionalFields: ["sha"] })
      : await modelInfo({ ...query, additionalFields: ["sha"] });
  const sha: unknown = info.sha;
  if (typeof sha !== "string" || !isCommitSha(sha))
    throw new AtlasError("NETWORK", `the hub's answer for ${options.repo}@${revision} has no commit sha`, {
      where: `${endpoint}/api/${options.repoType ?? "model"}s/${options.repo}/revision/${revision}`,
      hint: "check HF_ENDPOINT points at a Hugging Face hub",
    });
  // A renamed repo answers under its new id; the cache keeps the id the user asked for, as Python does.
  const id =
    typeof info.name === "string" && info.name.toLowerCase() === options.repo.toLowerCase()
      ? info.name
      : options.repo;
  return { repo: options.repo, id, revision, sha, gated: info.gated, private: info.private };
}
