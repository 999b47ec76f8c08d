/**
 * A GGUF that holds only metadata and the vocabulary (no tensors), built from a checkpoint folder's
 * config.json and tokenizer files by the converter's own code — the same vocabulary `atlas convert` would
 * write, so the tokenizer is llama.cpp's and the weights are never read (nor needed).
 */
import { randomBytes } from "node:crypto";
import { unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AtlasError, ioError } from "../../core/index.js";
import { readJsonObject } from "../../convert/file-io.js";
import { parseGemma2Config } from "../../convert/gemma2-config.js";
import { gemma2Metadata } from "../../convert/gemma2-metadata.js";
import { encodeGgufHeader } from "../../convert/gguf-header.js";
import { MAX_JSON_FILE_BYTES } from "../../convert/limits.js";
import { modelNameFromFolder } from "../../convert/model-name.js";
import { buildGemma2Vocab } from "../../convert/vocab.js";
import { FILE_TYPE_OF } from "../../convert/output-types.js";

/**
 * The bytes of a vocabulary-only GGUF for the checkpoint in `dir` (config.json + tokenizer.model or
 * tokenizer.json + tokenizer_config.json; weights are not read).
 * @throws AtlasError NOT_FOUND without config.json or tokenizer files, UNSUPPORTED for other architectures
 */
export async function vocabOnlyGguf(dir: string): Promise<Uint8Array> {
  const configPath = join(dir, "config.json");
  const raw = await readJsonObject(configPath, MAX_JSON_FILE_BYTES);
  if (raw === undefined)
    throw new AtlasError("NOT_FOUND", "missing config.json", {
      where: dir,
      hint: "give a GGUF file, a pulled model, or a checkpoint folder with config.json and tokenizer.model",
    });
  const config = parseGemma2Config(raw, configPath);
  const vocab = await buildGemma2Vocab({ dir, vocabSize: config.hparams.vocabSize, config: config.raw });
  const kvs = gemma2Metadata({
    hparams: config.hparams,
    vocab,
    fileType: FILE_TYPE_OF.f32,
    name: modelNameFromFolder(dir),
    parameters: 0,
    sampling: {},
  });
  return encodeGgufHeader(kvs, []).bytes;
}

/**
 * Writes {@link vocabOnlyGguf} of `dir` to a private temp file, runs `use(path)`, and removes the file.
 */
export async function withVocabOnlyGguf<T>(dir: string, use: (path: string) => Promise<T>): Promise<T> {
  const bytes = await vocabOnlyGguf(dir);
  const path = join(tmpdir(), `atlas-vocab-${process.pid}-${randomBytes(4).toString("hex")}.gguf`);
  try {
    await writeFile(path, bytes, { flag: "wx", mode: 0o600 });
  } catch (error) {
    throw ioError("cannot write a temp file", path, error);
  }
  try {
    return await use(path);
  } finally {
    await unlink(path).catch(() => undefined);
  }
}
