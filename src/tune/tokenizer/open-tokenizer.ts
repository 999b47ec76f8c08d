/**
 * `openTokenizer(model)`: the tokenizer and chat template of a model named the way every atlas command
 * names one — a GGUF file, a checkpoint folder, a pulled model (`atlas-chat:2b`) — without its weights.
 * A hub model that was not pulled is fetched as three small files (config.json, tokenizer.model,
 * tokenizer_config.json), not gigabytes.
 */
import { stat } from "node:fs/promises";
import { AtlasError, isAtlasError } from "../../core/index.js";
import { readGguf } from "../../convert/index.js";
import { downloadSnapshot, type HubRequestOptions } from "../../hub/index.js";
import { parseModelRef, resolveModel } from "../../store/index.js";
import { GEMMA2_CHAT_TEMPLATE } from "../../templates/index.js";
import { withVocabOnlyGguf } from "./vocab-only-gguf.js";
import { VocabTokenizer } from "./vocab-tokenizer.js";

/** The files a checkpoint's tokenizer needs (every Atlas-Chat / Gemma-2 repo has them). */
export const TOKENIZER_FILES: readonly string[] = ["config.json", "tokenizer.model", "tokenizer_config.json"];

/** Options of {@link openTokenizer}. */
export interface OpenTokenizerOptions extends Pick<HubRequestOptions, "fetch" | "signal"> {
  /** Environment for ATLAS_HOME, HF_HOME, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** A model's tokenizer and template, and where they came from. */
export interface ModelTokenizer {
  tokenizer: VocabTokenizer;
  /** The model's own chat template, or Gemma-2's when the file has none. */
  chatTemplate: string;
  /** "gguf": a GGUF file or a pulled model; "checkpoint": a folder; "hub": tokenizer files fetched now. */
  source: "gguf" | "checkpoint" | "hub";
  /** The GGUF file or folder read. */
  path: string;
}

function withTemplate(
  tokenizer: VocabTokenizer,
  source: ModelTokenizer["source"],
  path: string,
): ModelTokenizer {
  return { tokenizer, chatTemplate: tokenizer.chatTemplate ?? GEMMA2_CHAT_TEMPLATE, source, path };
}

async function fromFolder(dir: string, source: ModelTokenizer["source"]): Promise<ModelTokenizer> {
  const tokenizer = await withVocabOnlyGguf(dir, (path) => VocabTokenizer.open(path));
  return withTemplate(tokenizer, source, dir);
}

/**
 * Opens the tokenizer of `model`. Close `result.tokenizer` when done.
 * @throws AtlasError NOT_FOUND (no such file, model not pulled and not on the hub), UNSUPPORTED (not
 *   Gemma-2), INVALID_MODEL, NETWORK/AUTH (hub)
 * @example
 * const { tokenizer, chatTemplate } = await openTokenizer("atlas-chat:2b");
 */
export async function openTokenizer(
  model: string,
  options: OpenTokenizerOptions = {},
): Promise<ModelTokenizer> {
  const env = options.env ?? process.env;
  const ref = parseModelRef(model);
  if (ref.kind === "path") {
    const info = await stat(ref.path).catch(() => undefined);
    if (info === undefined) throw new AtlasError("NOT_FOUND", "no such file or folder", { where: ref.path });
    if (info.isDirectory()) return fromFolder(ref.path, "checkpoint");
    await readGguf(ref.path);
    return withTemplate(await VocabTokenizer.open(ref.path), "gguf", ref.path);
  }
  try {
    const { path } = await resolveModel(model, { env });
    return withTemplate(await VocabTokenizer.open(path), "gguf", path);
  } catch (error) {
    if (!isAtlasError(error, "NOT_FOUND")) throw error;
  }
  const snapshot = await downloadSnapshot({
    repo: ref.repo,
    env,
    select: { kind: "files", paths: [...TOKENIZER_FILES] },
    fetch: options.fetch,
    signal: options.signal,
  });
  return fromFolder(snapshot.folder, "hub");
}
