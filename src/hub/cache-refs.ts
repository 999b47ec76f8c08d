/** `refs/<revision>` files: which commit a branch or tag pointed to when it was last resolved. */
import { readFile } from "node:fs/promises";
import { systemErrorCode, ioError, writeFileAtomic } from "../core/index.js";
import { isCommitSha, type RepoCachePaths } from "./cache-layout.js";

/** The sha `refs/<revision>` holds, or `undefined` when the file is missing or does not hold a sha. */
export async function readRef(paths: RepoCachePaths, revision: string): Promise<string | undefined> {
  try {
    const sha = (await readFile(paths.ref(revision), "utf8")).trim();
    return isCommitSha(sha) ? sha : undefined;
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT" || systemErrorCode(error) === "ENOTDIR") return undefined;
    throw ioError("cannot read the cached ref", paths.ref(revision), error);
  }
}

/**
 * Writes `refs/<revision>` = `sha` (no newline, as Python writes it), atomically. Python writes a ref
 * only for names, never when the revision already is the sha; so do we.
 */
export async function writeRef(paths: RepoCachePaths, revision: string, sha: string): Promise<void> {
  if (revision === sha) return;
  await writeFileAtomic(paths.ref(revision), sha, { durable: false });
}
