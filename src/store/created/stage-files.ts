/**
 * Putting files into a created model's staging folder without copying them: hard links where the file
 * system allows (same inode: no extra disk, and the file outlives its other names), a copy where it does
 * not (a FROM file on another disk), or — for a base model already in the store — a reference.
 */
import { copyFile, link, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ioError, systemErrorCode } from "../../core/index.js";

/** Errors meaning "no hard links here". */
const NO_LINKS = ["EXDEV", "EPERM", "ENOTSUP", "EMLINK", "EOPNOTSUPP"];

/** Hard-links `source` at `target`, or copies it where links are refused. Returns how. */
export async function linkOrCopy(source: string, target: string): Promise<"linked" | "copied"> {
  try {
    await link(source, target);
    return "linked";
  } catch (error) {
    if (!NO_LINKS.includes(systemErrorCode(error) ?? ""))
      throw ioError("cannot link the model file", target, error);
  }
  try {
    await copyFile(source, target);
    return "copied";
  } catch (error) {
    throw ioError("cannot copy the model file", target, error);
  }
}

/** Hard-links `source` at `target`; "refused" (nothing written) where the file system has no links. */
export async function linkOrRefuse(source: string, target: string): Promise<"linked" | "refused"> {
  try {
    await link(source, target);
    return "linked";
  } catch (error) {
    if (NO_LINKS.includes(systemErrorCode(error) ?? "")) return "refused";
    throw ioError("cannot link the model file", target, error);
  }
}

/** Lays uploaded blobs out under `folder` by their file names (a checkpoint folder to convert). */
export async function layOutBlobs(
  folder: string,
  files: ReadonlyMap<string, string>,
  pathOf: (digest: string) => string,
): Promise<void> {
  for (const [name, digest] of files) {
    const target = join(folder, ...name.split("/"));
    await mkdir(dirname(target), { recursive: true }).catch((error: unknown) => {
      throw ioError("cannot create the folder", dirname(target), error);
    });
    await linkOrCopy(pathOf(digest), target);
  }
}
