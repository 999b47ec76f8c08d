/**
 * Small file helpers shared by the readers: exact positional reads, bounded whole-file reads and JSON
 * parsing with errors that name the file.
 */
import { open, stat, type FileHandle } from "node:fs/promises";
import { AtlasError, errorMessage, ioError, systemErrorCode } from "../core/index.js";

/**
 * Reads exactly `length` bytes at `position` into `buffer` (from offset 0).
 * @throws AtlasError INVALID_MODEL when the file ends early (it shrank or lied about its size)
 */
export async function readExactly(
  handle: FileHandle,
  buffer: Uint8Array,
  length: number,
  position: number,
  path: string,
): Promise<void> {
  let done = 0;
  while (done < length) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buffer, done, length - done, position + done));
    } catch (error) {
      throw ioError("cannot read", path, error);
    }
    if (bytesRead === 0)
      throw new AtlasError(
        "INVALID_MODEL",
        `file is truncated: needed bytes up to ${position + length} but it ended at ${position + done}`,
        { where: path, hint: "re-download it" },
      );
    done += bytesRead;
  }
}

/** Opens `path` for reading, turning fs errors into AtlasErrors naming the path. */
export async function openForRead(path: string): Promise<FileHandle> {
  try {
    return await open(path, "r");
  } catch (error) {
    throw ioError("cannot open", path, error);
  }
}

/** The size of a regular file, or undefined when nothing is there. */
export async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new AtlasError("INVALID_MODEL", "is not a regular file", { where: path });
    return info.size;
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT") return undefined;
    if (error instanceof AtlasError) throw error;
    throw ioError("cannot read", path, error);
  }
}

/**
 * Reads a whole (small) file, refusing files larger than `maxBytes`.
 * @returns undefined when the file does not exist
 */
export async function readSmallFile(path: string, maxBytes: number): Promise<Buffer | undefined> {
  const size = await fileSize(path);
  if (size === undefined) return undefined;
  if (size > maxBytes)
    throw new AtlasError(
      "INVALID_MODEL",
      `file is ${size} bytes, more than the ${maxBytes}-byte limit for this kind of file`,
      { where: path, hint: "check that it is the right file" },
    );
  const handle = await openForRead(path);
  try {
    const buffer = Buffer.alloc(size);
    await readExactly(handle, buffer, size, 0, path);
    return buffer;
  } finally {
    await handle.close();
  }
}

/** Parses UTF-8 JSON, naming the file on a syntax error. */
export function parseJson(bytes: Uint8Array, path: string): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as unknown;
  } catch (error) {
    throw new AtlasError("INVALID_MODEL", `is not valid UTF-8 JSON (${errorMessage(error)})`, {
      where: path,
      hint: "re-download it",
      cause: error,
    });
  }
}

/** Reads and parses a JSON file; undefined when it does not exist. */
export async function readJsonFile(path: string, maxBytes: number): Promise<unknown> {
  const bytes = await readSmallFile(path, maxBytes);
  return bytes === undefined ? undefined : parseJson(bytes, path);
}

/** Reads a JSON file that must hold an object. */
export async function readJsonObject(
  path: string,
  maxBytes: number,
): Promise<Record<string, unknown> | undefined> {
  const value = await readJsonFile(path, maxBytes);
  if (value === undefined) return undefined;
  if (!isRecord(value))
    throw new AtlasError("INVALID_MODEL", "must hold a JSON object", { where: path, hint: "re-download it" });
  return value;
}

/** A plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
