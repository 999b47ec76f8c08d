/**
 * Uploaded blobs (`HEAD`/`POST /api/blobs/:digest`, what `ollama create` and ollama-js send before
 * `/api/create`): content-addressed files `$ATLAS_HOME/blobs/sha256-<hex>`. An upload is hashed while it
 * streams into a temp file and moved into place only when its sha256 matches the digest it was sent under,
 * so a blob file is always whole and right; an interrupted or refused upload leaves nothing, and sending
 * the file again resumes the job (blobs already there are not sent again: `hasBlob`).
 */
import { createHash } from "node:crypto";
import { open, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { AtlasError, ioError, sweepStaleTemps, writeAtomically } from "../../core/index.js";
import { atlasHome as defaultAtlasHome } from "../../config/index.js";
import type { StoreOptions } from "../manifest.js";
import { createdPaths, readCreatedManifest } from "./created-store.js";
import { createdManifestFiles } from "./list-created-models.js";

/** Largest blob accepted by default (a 27B checkpoint shard is ~5 GB; a whole F16 2B GGUF ~5.2 GB). */
export const DEFAULT_MAX_BLOB_BYTES = 64 * 1024 ** 3;

const DIGEST = /^sha256[:-]([0-9a-fA-F]{64})$/;

/**
 * The lower-case hex of a digest written `sha256:<hex>` (or Ollama's file form `sha256-<hex>`).
 * @throws AtlasError BAD_ARGUMENT `invalid digest format` (Ollama's words), field `digest`
 */
export function parseBlobDigest(digest: string): string {
  const match = DIGEST.exec(digest);
  if (match === null)
    throw new AtlasError("BAD_ARGUMENT", `invalid digest format '${digest.slice(0, 80)}'`, {
      hint: "a digest is sha256:<64 hex digits>, the sha256 of the file's bytes",
      details: { field: "digest" },
    });
  return match[1]!.toLowerCase();
}

/** `sha256:<hex>`, normalised. */
export function normalizeBlobDigest(digest: string): string {
  return `sha256:${parseBlobDigest(digest)}`;
}

function blobsDir(options: StoreOptions): string {
  return createdPaths(options.atlasHome ?? defaultAtlasHome(options.env)).blobs;
}

/**
 * The file of blob `digest` (it may not exist).
 * @throws AtlasError BAD_ARGUMENT for a malformed digest
 */
export function blobPath(digest: string, options: StoreOptions = {}): string {
  return join(blobsDir(options), `sha256-${parseBlobDigest(digest)}`);
}

/**
 * Whether blob `digest` is stored (`HEAD /api/blobs/:digest`: 200, else 404).
 * @throws AtlasError BAD_ARGUMENT for a malformed digest
 */
export async function hasBlob(digest: string, options: StoreOptions = {}): Promise<boolean> {
  const info = await stat(blobPath(digest, options)).catch(() => undefined);
  return info?.isFile() === true;
}

/** Options of {@link writeBlob}. */
export interface WriteBlobOptions extends StoreOptions {
  /** Refuse an upload longer than this (default {@link DEFAULT_MAX_BLOB_BYTES}). */
  maxBytes?: number;
  signal?: AbortSignal;
}

/** What {@link writeBlob} did. */
export interface WriteBlobResult {
  digest: string;
  path: string;
  bytes: number;
  /** False when the blob was already stored (the body was not read: Ollama answers 200, not 201). */
  created: boolean;
}

/**
 * Stores `body` as blob `digest` (`POST /api/blobs/:digest`: 201 when created, 200 when it was there).
 * @throws AtlasError BAD_ARGUMENT for a malformed digest or (field `body`, with `limit`) a body over
 *   `maxBytes`; CHECKSUM (field `digest`) when the bytes' sha256 is not `digest`; ABORTED; IO. In every
 *   case nothing is left in the store.
 */
export async function writeBlob(
  digest: string,
  body: AsyncIterable<Uint8Array>,
  options: WriteBlobOptions = {},
): Promise<WriteBlobResult> {
  const hex = parseBlobDigest(digest);
  const path = blobPath(digest, options);
  const wanted = `sha256:${hex}`;
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isFile() === true) return { digest: wanted, path, bytes: existing.size, created: false };
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BLOB_BYTES;
  await sweepStaleTemps(blobsDir(options));
  const bytes = await writeAtomically(path, async (temp) => {
    const hash = createHash("sha256");
    let total = 0;
    const file = await open(temp, "w").catch((error: unknown) => {
      throw ioError("cannot store the upload", path, error);
    });
    try {
      for await (const chunk of body) {
        if (options.signal?.aborted === true)
          throw new AtlasError("ABORTED", "the upload was cancelled", { where: wanted });
        total += chunk.byteLength;
        if (total > maxBytes)
          throw new AtlasError("BAD_ARGUMENT", `the upload of ${wanted} is larger than ${maxBytes} bytes`, {
            hint: "this server does not take files that large",
            details: { field: "body", limit: maxBytes, actual: total },
          });
        hash.update(chunk);
        await file.write(chunk).catch((error: unknown) => {
          throw ioError("cannot store the upload", path, error);
        });
      }
    } finally {
      await file.close();
    }
    const got = `sha256:${hash.digest("hex")}`;
    if (got !== wanted)
      throw new AtlasError("CHECKSUM", `digest mismatch, expected "${wanted}", got "${got}"`, {
        hint: "the upload was corrupted or sent under the wrong digest: send the file again under its own sha256",
        details: { field: "digest" },
      });
    return total;
  });
  return { digest: wanted, path, bytes, created: true };
}

/** Options of {@link pruneBlobs}. */
export interface PruneBlobsOptions extends StoreOptions {
  /** Keep blobs younger than this (uploads whose model is not created yet); default 24 hours. */
  keepNewerThanMs?: number;
}

/**
 * Removes blobs no created model was made from, once older than `keepNewerThanMs` (checkpoint shards
 * uploaded for a conversion, abandoned uploads). A created model holds its own links to what it uses, so
 * this never breaks one.
 * @returns the removed digests
 */
export async function pruneBlobs(options: PruneBlobsOptions = {}): Promise<string[]> {
  const home = options.atlasHome ?? defaultAtlasHome(options.env);
  const dir = createdPaths(home).blobs;
  const keep = new Set<string>();
  for (const file of await createdManifestFiles(home)) {
    const read = await readCreatedManifest(file);
    // A damaged manifest may name anything: keep every blob rather than guess.
    if (read.kind === "corrupt") return [];
    if (read.kind === "ok") for (const d of read.manifest.blobs) keep.add(d);
  }
  const cutoff = Date.now() - (options.keepNewerThanMs ?? 24 * 3600_000);
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const match = /^sha256-([0-9a-f]{64})$/.exec(name);
    if (match === null || keep.has(`sha256:${match[1]!}`)) continue;
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info === undefined || info.mtimeMs > cutoff) continue;
    await rm(join(dir, name), { force: true });
    removed.push(`sha256:${match[1]!}`);
  }
  return removed;
}
