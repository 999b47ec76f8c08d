/**
 * The atlas model store under `$ATLAS_HOME`:
 *
 *     models/<org>/<name>/<sha>/<quant>.gguf       a converted (or downloaded GGUF) model
 *     models/<org>/<name>/<sha>/manifest.json      what each quant was made from (see manifest.ts)
 *     models/<org>/<name>/<sha>/.locks/<quant>.lock  one writer per quant; manifest.lock for the manifest
 *     converted/<hash>/<quant>.gguf                local checkpoint folders converted on the fly
 */
import { join } from "node:path";
import { AtlasError } from "../core/index.js";
import { isCommitSha, parseRepoId } from "../hub/index.js";

/** Default quantization of `atlas pull` and `atlas run`. */
export const DEFAULT_QUANT = "q4_k_m";

/** Paths of the store rooted at `atlasHome`. */
export interface StorePaths {
  /** `$ATLAS_HOME/models` */
  models: string;
  /** `$ATLAS_HOME/converted` */
  converted: string;
  repoDir(repo: string): string;
  shaDir(repo: string, sha: string): string;
  gguf(repo: string, sha: string, quant: string): string;
  manifest(repo: string, sha: string): string;
  quantLock(repo: string, sha: string, quant: string): string;
  manifestLock(repo: string, sha: string): string;
}

/** Quant names become file names: lower-case letters, digits and `_` only. */
export function assertQuantName(quant: string): string {
  if (!/^[a-z0-9_]{1,32}$/.test(quant))
    throw new AtlasError("BAD_ARGUMENT", `'${quant}' is not a quantization name`, {
      hint: "use e.g. q4_k_m, q8_0, f16",
    });
  return quant;
}

function checkSha(sha: string): string {
  if (!isCommitSha(sha)) throw new AtlasError("INVALID_MODEL", `'${sha}' is not a commit sha`);
  return sha;
}

/** The store's paths. Repo ids are validated (`org/name`), so they are safe as folder names. */
export function storePaths(atlasHome: string): StorePaths {
  const models = join(atlasHome, "models");
  const repoDir = (repo: string): string => {
    const { org, name } = parseRepoId(repo);
    return join(models, org, name);
  };
  const shaDir = (repo: string, sha: string): string => join(repoDir(repo), checkSha(sha));
  return {
    models,
    converted: join(atlasHome, "converted"),
    repoDir,
    shaDir,
    gguf: (repo, sha, quant) => join(shaDir(repo, sha), `${assertQuantName(quant)}.gguf`),
    manifest: (repo, sha) => join(shaDir(repo, sha), "manifest.json"),
    quantLock: (repo, sha, quant) => join(shaDir(repo, sha), ".locks", `${assertQuantName(quant)}.lock`),
    manifestLock: (repo, sha) => join(shaDir(repo, sha), ".locks", "manifest.lock"),
  };
}
