/** The hashes the hub names blobs by: sha256 for LFS files, git's blob sha1 for the others. */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";

/** Which hash a blob is named by. */
export type BlobAlgorithm = "sha256" | "git-sha1";

/** A fresh hash for a blob of `size` bytes (git's sha1 starts with the `blob <size>\0` header). */
export function newBlobHash(algorithm: BlobAlgorithm, size: number): Hash {
  if (algorithm === "sha256") return createHash("sha256");
  return createHash("sha1").update(`blob ${size}\0`);
}

/**
 * Hashes the first `length` bytes of `path` (default: all `size` bytes) into a blob hash, returning the
 * hash object so a resumed download can keep feeding it.
 */
export async function hashFilePrefix(
  path: string,
  algorithm: BlobAlgorithm,
  size: number,
  length = size,
): Promise<Hash> {
  const hash = newBlobHash(algorithm, size);
  if (length === 0) return hash;
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1 }))
    hash.update(chunk as Buffer);
  return hash;
}

/** The hex digest of a whole file of `size` bytes, as the hub would name it. */
export async function blobDigest(path: string, algorithm: BlobAlgorithm, size: number): Promise<string> {
  return (await hashFilePrefix(path, algorithm, size)).digest("hex");
}
