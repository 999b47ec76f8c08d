/**
 * Opens a GGUF with `llama_model_load_from_file` on a worker thread (the event loop stays free). The
 * engine loads whole models through it, the fine-tuning tokenizer only the vocabulary.
 */
import { AtlasError, errorMessage } from "../core/index.js";
import type { ModelParamsValue, NativePointer } from "./llama-api.js";
import type { LoadedLlama } from "./load-llama.js";

/**
 * Loads `path` with llama.cpp's default model parameters as changed by `configure`.
 * @param action what failed, for the error ("load the model", "read the vocabulary")
 * @throws AtlasError INVALID_MODEL when llama.cpp cannot read the file (its last log lines included)
 */
export async function loadModelFile(
  llama: LoadedLlama,
  path: string,
  configure: (params: ModelParamsValue) => void,
  action: string,
): Promise<NativePointer> {
  const params = llama.api.model_default_params();
  configure(params);
  const handle = await new Promise<NativePointer | null>((resolve, reject) => {
    llama.api.model_load_from_file.async(path, params, (error, result) => {
      if (error !== null && error !== undefined)
        reject(error instanceof Error ? error : new Error(errorMessage(error)));
      else resolve(result);
    });
  });
  if (handle === null) {
    const log = llama.recentLog().slice(-3).join(" | ");
    throw new AtlasError("INVALID_MODEL", `llama.cpp could not ${action}${log === "" ? "" : ` (${log})`}`, {
      where: path,
      hint: "check that it is a complete GGUF file (`atlas inspect` shows what is in it)",
    });
  }
  return handle;
}
