/**
 * Reads a GGUF LoRA adapter (ours or llama.cpp's convert_lora_to_gguf.py output): alpha, and the
 * `lora_a` / `lora_b` pair of every adapted weight, checked like llama.cpp's loader checks them.
 */
import { AtlasError } from "../../core/index.js";
import { ggufNumber, ggufString, readGguf, type GgufFile, type GgufTensorInfo } from "../../convert/index.js";
import { floatDtypeOfGgml } from "./float-matrix.js";

/** One adapted weight. */
export interface LoraGgufPair {
  /** The base tensor's GGUF name (`blk.0.attn_q.weight`). */
  target: string;
  a: GgufTensorInfo;
  b: GgufTensorInfo;
  rank: number;
  inDim: number;
  outDim: number;
}

/** A parsed adapter. */
export interface LoraGguf {
  file: GgufFile;
  architecture: string;
  /** `adapter.lora.alpha` (0 or absent: llama.cpp then scales by the run-time scale alone). */
  alpha: number;
  pairs: LoraGgufPair[];
}

/**
 * Reads and checks the adapter at `path`.
 * @throws AtlasError INVALID_MODEL (not an adapter, a half missing, inconsistent ranks), UNSUPPORTED
 *   (quantized adapter tensors)
 */
export async function readLoraGguf(path: string): Promise<LoraGguf> {
  const file = await readGguf(path);
  const invalid = (message: string): AtlasError =>
    new AtlasError("INVALID_MODEL", message, {
      where: path,
      hint: "give a LoRA adapter GGUF (`atlas lora convert` writes one)",
    });
  if (ggufString(file, "general.type") !== "adapter" || ggufString(file, "adapter.type") !== "lora")
    throw invalid("is not a LoRA adapter (general.type / adapter.type)");
  const halves = new Map<string, { a?: GgufTensorInfo; b?: GgufTensorInfo }>();
  for (const tensor of file.tensors) {
    const match = /^(.+)\.lora_([ab])$/.exec(tensor.name);
    if (match === null) {
      if (tensor.name.endsWith("_norm.weight")) continue; // llama.cpp ignores these too
      throw invalid(`tensor '${tensor.name}' is neither a lora_a nor a lora_b`);
    }
    if (floatDtypeOfGgml(tensor.type) === undefined)
      throw new AtlasError("UNSUPPORTED", `tensor '${tensor.name}' is quantized`, {
        where: path,
        hint: "merge adapters stored as F32, F16 or BF16",
      });
    const entry = halves.get(match[1]!) ?? {};
    entry[match[2] as "a" | "b"] = tensor;
    halves.set(match[1]!, entry);
  }
  const pairs = [...halves.entries()].map(([target, { a, b }]): LoraGgufPair => {
    if (a === undefined || b === undefined)
      throw invalid(`'${target}' has lora_${a === undefined ? "a" : "b"} missing`);
    if (a.ne.length !== 2 || b.ne.length !== 2 || a.ne[1] !== b.ne[0])
      throw invalid(
        `'${target}': lora_a [${a.ne.join(", ")}] and lora_b [${b.ne.join(", ")}] do not fit together`,
      );
    return { target, a, b, rank: a.ne[1]!, inDim: a.ne[0]!, outDim: b.ne[1]! };
  });
  if (pairs.length === 0) throw invalid("holds no LoRA tensors");
  return {
    file,
    architecture: ggufString(file, "general.architecture") ?? "unknown",
    alpha: ggufNumber(file, "adapter.lora.alpha") ?? 0,
    pairs,
  };
}
