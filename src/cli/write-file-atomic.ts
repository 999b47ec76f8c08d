/** Writes a file through a temp file + rename, so readers never see half of it. */
import { rename, rm, writeFile } from "node:fs/promises";
import { ioError } from "../core/index.js";

export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(temp, data, "utf8");
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw ioError("cannot write", path, error);
  }
}
