/** Which files of a repo conversion needs, and the `--file x.gguf` selection. */
import { AtlasError } from "../core/index.js";
import type { RepoFile } from "./list-repo-files.js";

/** Root-level files besides the safetensors weights that conversion reads (config, tokenizer, template). */
export const CHECKPOINT_FILES: readonly string[] = [
  "config.json",
  "generation_config.json",
  "tokenizer.model",
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "added_tokens.json",
  "chat_template.jinja",
  "chat_template.json",
  "model.safetensors.index.json",
];

/**
 * Picks what conversion needs: the files of {@link CHECKPOINT_FILES} and the root-level `*.safetensors`
 * (the transformers checkpoint). Skips `*.bin`/`*.pt`/`*.pth`, `original/` and other sub-folders,
 * GGUF/ONNX/Flax files, README and `.gitattributes`.
 * @throws AtlasError UNSUPPORTED when the repo has no config.json or no safetensors weights.
 */
export function selectCheckpointFiles(files: readonly RepoFile[], repo = "the repository"): RepoFile[] {
  const selected = files.filter(
    (f) =>
      !f.path.includes("/") &&
      (CHECKPOINT_FILES.includes(f.path) ||
        (f.path.endsWith(".safetensors") && !f.path.startsWith("consolidated"))),
  );
  const ggufs = files.filter((f) => f.path.toLowerCase().endsWith(".gguf")).map((f) => f.path);
  const hasConfig = selected.some((f) => f.path === "config.json");
  const hasWeights = selected.some((f) => f.path.endsWith(".safetensors"));
  if (!hasConfig || !hasWeights) {
    const missing = !hasConfig ? "config.json" : "safetensors weights";
    throw new AtlasError("UNSUPPORTED", `${repo} has no ${missing} to convert`, {
      hint:
        ggufs.length > 0
          ? `it holds GGUF files: pass --file with one of ${ggufs.slice(0, 8).join(", ")}`
          : "atlas converts transformers checkpoints saved as safetensors",
    });
  }
  return selected;
}

/**
 * The one GGUF file `name` of a GGUF repo.
 * @throws AtlasError NOT_FOUND naming the GGUF files that do exist.
 */
export function selectGgufFile(
  files: readonly RepoFile[],
  name: string,
  repo = "the repository",
): RepoFile[] {
  const match = files.find((f) => f.path === name);
  if (match !== undefined) return [match];
  const ggufs = files.filter((f) => f.path.toLowerCase().endsWith(".gguf")).map((f) => f.path);
  throw new AtlasError("NOT_FOUND", `no file '${name}' in ${repo}`, {
    hint: ggufs.length > 0 ? `its GGUF files: ${ggufs.join(", ")}` : "this repository holds no GGUF files",
  });
}
