/** `general.name` for a checkpoint folder. */
import { basename, dirname } from "node:path";

/**
 * The folder's name, except inside a Hugging Face cache snapshot
 * (`…/models--org--name/snapshots/<sha>`), where the commit hash says nothing and the repo name is used.
 */
export function modelNameFromFolder(dir: string): string {
  const parent = dirname(dir);
  if (basename(parent) === "snapshots") {
    const repo = basename(dirname(parent));
    if (repo.startsWith("models--")) {
      const parts = repo.slice("models--".length).split("--");
      const name = parts[parts.length - 1];
      if (name !== undefined && name !== "") return name;
    }
  }
  return basename(dir) || "model";
}
