/**
 * `inspectModel`: a readable summary of a GGUF file or a Hugging Face Gemma-2 folder — architecture,
 * hyper-parameters, tensors, vocabulary and special tokens, chat template, file type, parameter count.
 */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { AtlasError, fileTypeName, ioError, systemErrorCode } from "../core/index.js";
import { gemma2Metadata } from "./gemma2-metadata.js";
import { ggmlTypeName } from "./ggml-types.js";
import { ggufArray, ggufNumber, ggufScalar, ggufString, readGguf, type GgufFile } from "./gguf-reader.js";
import { GGUF_TYPE, type GgufKv } from "./gguf-types.js";
import { openHfCheckpoint } from "./hf-checkpoint.js";
import { modelNameFromFolder } from "./model-name.js";
import { SPECIAL_ID_KEYS, SPECIAL_ROLES } from "./special-tokens.js";
import { buildGemma2Vocab } from "./vocab.js";

/** One tensor of a summary. Shapes are in the file's own order (GGUF: ne[0] first; safetensors: PyTorch). */
export interface TensorSummary {
  name: string;
  type: string;
  shape: number[];
  bytes: number;
}

/** A special token: its role (bos, eos, unk, pad, sep, mask, eot, eom), id and text. */
export interface SpecialTokenSummary {
  role: string;
  id: number;
  text: string | undefined;
}

/** What {@link inspectModel} returns. */
export interface ModelSummary {
  path: string;
  format: "gguf" | "safetensors";
  /** GGUF version (GGUF only). */
  ggufVersion?: number;
  architecture: string;
  name: string | undefined;
  /** GGUF `general.file_type` name (e.g. "Q8_0"); for a folder, the weights' dtype(s) (e.g. "BF16"). */
  fileType: string | undefined;
  fileTypeId: number | undefined;
  /** File size (GGUF) or total safetensors size (folder). */
  bytes: number;
  parameters: number;
  /** Architecture hyper-parameters, named as GGUF keys without the `<arch>.` prefix. */
  hyperParameters: Record<string, number | string | boolean>;
  vocab: {
    size: number;
    /** `tokenizer.ggml.model` (e.g. "llama" for SentencePiece). */
    model: string | undefined;
    special: SpecialTokenSummary[];
    addBos: boolean | undefined;
    addEos: boolean | undefined;
  };
  chatTemplate: string | undefined;
  tensors: TensorSummary[];
  /** Every scalar metadata entry (GGUF), arrays summarized as "[N × type]"; 64-bit integers as numbers. */
  metadata: Record<string, string | number | boolean>;
  warnings: string[];
}

const TYPE_NAMES = Object.fromEntries(Object.entries(GGUF_TYPE).map(([k, v]) => [v, k.toLowerCase()]));

function plainValue(entry: GgufKv): string | number | boolean {
  if (entry.type === GGUF_TYPE.ARRAY) {
    const items = entry.value as readonly unknown[];
    return `[${items.length} × ${TYPE_NAMES[entry.arrayType ?? 0] ?? "?"}]`;
  }
  const value = entry.value;
  if (entry.type === GGUF_TYPE.FLOAT32 && typeof value === "number") return shortestF32(value);
  return typeof value === "bigint" ? Number(value) : (value as string | number | boolean);
}

/** The shortest decimal that reads back as the same float32 (1e-6, not 9.999999974752427e-7). */
export function shortestF32(value: number): number {
  if (!Number.isFinite(value)) return value;
  for (let digits = 1; digits < 10; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

function summarizeGguf(file: GgufFile): ModelSummary {
  const architecture = ggufString(file, "general.architecture") ?? "unknown";
  const prefix = `${architecture}.`;
  const hyperParameters: Record<string, number | string | boolean> = {};
  const metadata: Record<string, string | number | boolean> = {};
  for (const entry of file.kvs) {
    metadata[entry.key] = plainValue(entry);
    if (entry.key.startsWith(prefix) && entry.type !== GGUF_TYPE.ARRAY)
      hyperParameters[entry.key.slice(prefix.length)] = plainValue(entry);
  }
  const tokens = ggufArray(file, "tokenizer.ggml.tokens");
  const text = (id: number): string | undefined => {
    const t = tokens?.[id];
    return typeof t === "string" ? t : undefined;
  };
  const special: SpecialTokenSummary[] = [];
  const roleKeys: Array<[string, string]> = [
    ...SPECIAL_ROLES.map((r): [string, string] => [r, SPECIAL_ID_KEYS[r]]),
    ["eot", "tokenizer.ggml.eot_token_id"],
    ["eom", "tokenizer.ggml.eom_token_id"],
  ];
  for (const [role, key] of roleKeys) {
    const id = ggufNumber(file, key);
    if (id !== undefined) special.push({ role, id, text: text(id) });
  }
  const fileTypeId = ggufNumber(file, "general.file_type");
  const addBos = ggufScalar(file, "tokenizer.ggml.add_bos_token");
  const addEos = ggufScalar(file, "tokenizer.ggml.add_eos_token");
  return {
    path: file.path,
    format: "gguf",
    ggufVersion: file.version,
    architecture,
    name: ggufString(file, "general.name"),
    fileType: fileTypeId === undefined ? undefined : fileTypeName(fileTypeId),
    fileTypeId,
    bytes: file.size,
    parameters: file.tensors.reduce((n, t) => n + t.ne.reduce((a, b) => a * b, 1), 0),
    hyperParameters,
    vocab: {
      size: tokens?.length ?? 0,
      model: ggufString(file, "tokenizer.ggml.model"),
      special,
      addBos: typeof addBos === "boolean" ? addBos : undefined,
      addEos: typeof addEos === "boolean" ? addEos : undefined,
    },
    chatTemplate: ggufString(file, "tokenizer.chat_template"),
    tensors: file.tensors.map((t) => ({
      name: t.name,
      type: ggmlTypeName(t.type),
      shape: t.ne,
      bytes: t.bytes,
    })),
    metadata,
    warnings: [],
  };
}

async function summarizeFolder(dir: string): Promise<ModelSummary> {
  const checkpoint = await openHfCheckpoint(dir);
  const h = checkpoint.config.hparams;
  const vocab = await buildGemma2Vocab({ dir, vocabSize: h.vocabSize, config: checkpoint.config.raw });
  const parameters = checkpoint.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  const name = modelNameFromFolder(dir);
  const kvs = gemma2Metadata({ hparams: h, vocab, fileType: 0, name, parameters, sampling: {} });
  const hyperParameters: Record<string, number | string | boolean> = {};
  for (const entry of kvs)
    if (entry.key.startsWith("gemma2."))
      hyperParameters[entry.key.slice("gemma2.".length)] = plainValue(entry);
  hyperParameters["query_pre_attn_scalar"] = h.queryPreAttnScalar;
  hyperParameters["rope.freq_base"] = h.ropeTheta;
  const dtypes = [...new Set(checkpoint.tensors.map((t) => t.dtype))].sort();
  const special: SpecialTokenSummary[] = vocab.special.ids.map(({ role, id }) => ({
    role,
    id,
    text: vocab.tokens[id],
  }));
  if (vocab.special.eot !== undefined)
    special.push({ role: "eot", id: vocab.special.eot, text: vocab.tokens[vocab.special.eot] });
  const flag = (role: "bos" | "eos"): boolean | undefined =>
    vocab.special.add.find((a) => a.role === role)?.value;
  return {
    path: dir,
    format: "safetensors",
    architecture: "gemma2",
    name,
    fileType: dtypes.join("+"),
    fileTypeId: undefined,
    bytes: checkpoint.bytes,
    parameters,
    hyperParameters,
    vocab: { size: vocab.tokens.length, model: "llama", special, addBos: flag("bos"), addEos: flag("eos") },
    chatTemplate: vocab.special.chatTemplate,
    tensors: checkpoint.tensors.map((t) => ({
      name: t.name,
      type: t.dtype,
      shape: t.shape,
      bytes: t.byteLength,
    })),
    metadata: {},
    warnings: [...checkpoint.warnings, ...vocab.warnings],
  };
}

/**
 * Summarizes a GGUF file or a Hugging Face checkpoint folder.
 * @throws AtlasError NOT_FOUND when nothing is at `path`, INVALID_MODEL / UNSUPPORTED for bad files
 */
export async function inspectModel(path: string): Promise<ModelSummary> {
  const full = resolve(path);
  let isFolder: boolean;
  try {
    isFolder = (await stat(full)).isDirectory();
  } catch (error) {
    if (systemErrorCode(error) === "ENOENT")
      throw new AtlasError("NOT_FOUND", "no such file or folder", { where: full, hint: "check the path" });
    throw ioError("cannot read", full, error);
  }
  return isFolder ? summarizeFolder(full) : summarizeGguf(await readGguf(full));
}
