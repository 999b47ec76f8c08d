/** The output types `atlas convert --type` accepts and what each maps to in llama.cpp terms. */
import { fileTypeId } from "../core/index.js";
import { GGML_TYPE } from "./ggml-types.js";

/** Output types: written by our TS writer (f32…q4_0) or by llama.cpp's quantizer (K-quants). */
export type OutputType = "f32" | "f16" | "bf16" | "q8_0" | "q4_0" | "q4_k_m" | "q5_k_m" | "q6_k";

/** Every output type, in the order `--help` lists them. */
export const OUTPUT_TYPES: readonly OutputType[] = [
  "f32",
  "f16",
  "bf16",
  "q8_0",
  "q4_0",
  "q4_k_m",
  "q5_k_m",
  "q6_k",
];

/** `general.file_type` (llama.cpp `llama_ftype`) of each output type, from the table in core. */
export const FILE_TYPE_OF = Object.fromEntries(
  OUTPUT_TYPES.map((type) => [type, fileTypeId(type) ?? -1]),
) as Readonly<Record<OutputType, number>>;

/** ggml type of the 2-D weights for types our writer produces. */
export const MATRIX_TYPE_OF: Readonly<Record<Exclude<OutputType, KQuantType>, number>> = {
  f32: GGML_TYPE.F32,
  f16: GGML_TYPE.F16,
  bf16: GGML_TYPE.BF16,
  q8_0: GGML_TYPE.Q8_0,
  q4_0: GGML_TYPE.Q4_0,
};

/** Types produced by llama.cpp's `llama_model_quantize` from an intermediate GGUF. */
export type KQuantType = "q4_k_m" | "q5_k_m" | "q6_k";

/** True for the K-quant types. */
export function isKQuant(type: OutputType): type is KQuantType {
  return type === "q4_k_m" || type === "q5_k_m" || type === "q6_k";
}

/** Parses a `--type` value case-insensitively ("Q8_0" → "q8_0"); undefined when unknown. */
export function parseOutputType(text: string): OutputType | undefined {
  const lower = text.toLowerCase();
  return OUTPUT_TYPES.find((t) => t === lower);
}
