/** Writes a small GGUF (an adapter) whose tensors are produced one at a time. */
import { open } from "node:fs/promises";
import { AtlasError, ioError } from "../../core/index.js";
import type { GgufKv } from "../../convert/index.js";
import { encodeGgufHeader } from "../../convert/gguf-header.js";

/** A tensor to write: GGUF name, ggml dims and type, and its bytes (produced when written). */
export interface GgufTensorSource {
  name: string;
  ne: number[];
  type: number;
  data: () => Promise<Uint8Array>;
}

/**
 * Creates `path` (which must not exist) with `kvs` and `tensors`, each at its aligned offset.
 * @returns the file size
 */
export async function writeGgufFile(
  path: string,
  kvs: readonly GgufKv[],
  tensors: readonly GgufTensorSource[],
): Promise<number> {
  const header = encodeGgufHeader(kvs, tensors);
  let handle;
  try {
    handle = await open(path, "wx");
  } catch (error) {
    throw ioError("cannot create the output file", path, error);
  }
  try {
    await handle.write(header.bytes, 0, header.bytes.length, 0);
    for (const [i, info] of header.tensors.entries()) {
      const bytes = await tensors[i]!.data();
      if (bytes.length !== info.bytes)
        throw new AtlasError(
          "INVALID_MODEL",
          `internal: tensor ${info.name} has ${bytes.length} bytes, expected ${info.bytes}`,
        );
      await handle.write(bytes, 0, bytes.length, header.bytes.length + info.offset);
    }
    const end = header.bytes.length + header.dataBytes;
    await handle.truncate(end);
    return end;
  } catch (error) {
    if (error instanceof AtlasError) throw error;
    throw ioError("cannot write", path, error);
  } finally {
    await handle.close();
  }
}
