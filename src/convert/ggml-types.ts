/**
 * ggml tensor types and llama.cpp file types (`general.file_type`), with block sizes for computing tensor
 * byte sizes. Ids and sizes follow ggml.h / gguf-py `GGML_QUANT_SIZES` of the llama.cpp bundled by
 * node-llama-cpp 3.22.1.
 */
import { AtlasError } from "../core/index.js";

/** ggml type ids atlas writes itself or asks llama.cpp for. */
export const GGML_TYPE = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q8_0: 8,
  Q4_K: 12,
  Q5_K: 13,
  Q6_K: 14,
  BF16: 30,
} as const;

/** A ggml type: `blockSize` elements take `typeSize` bytes. */
export interface GgmlTypeInfo {
  id: number;
  name: string;
  blockSize: number;
  typeSize: number;
}

const QK_K = 256;

/** Every type a GGUF of this llama.cpp release may hold, so `inspect` can size any tensor. */
const TYPES: readonly GgmlTypeInfo[] = [
  { id: 0, name: "F32", blockSize: 1, typeSize: 4 },
  { id: 1, name: "F16", blockSize: 1, typeSize: 2 },
  { id: 2, name: "Q4_0", blockSize: 32, typeSize: 18 },
  { id: 3, name: "Q4_1", blockSize: 32, typeSize: 20 },
  { id: 6, name: "Q5_0", blockSize: 32, typeSize: 22 },
  { id: 7, name: "Q5_1", blockSize: 32, typeSize: 24 },
  { id: 8, name: "Q8_0", blockSize: 32, typeSize: 34 },
  { id: 9, name: "Q8_1", blockSize: 32, typeSize: 36 },
  { id: 10, name: "Q2_K", blockSize: QK_K, typeSize: 84 },
  { id: 11, name: "Q3_K", blockSize: QK_K, typeSize: 110 },
  { id: 12, name: "Q4_K", blockSize: QK_K, typeSize: 144 },
  { id: 13, name: "Q5_K", blockSize: QK_K, typeSize: 176 },
  { id: 14, name: "Q6_K", blockSize: QK_K, typeSize: 210 },
  { id: 15, name: "Q8_K", blockSize: QK_K, typeSize: 292 },
  { id: 16, name: "IQ2_XXS", blockSize: QK_K, typeSize: 66 },
  { id: 17, name: "IQ2_XS", blockSize: QK_K, typeSize: 74 },
  { id: 18, name: "IQ3_XXS", blockSize: QK_K, typeSize: 98 },
  { id: 19, name: "IQ1_S", blockSize: QK_K, typeSize: 50 },
  { id: 20, name: "IQ4_NL", blockSize: 32, typeSize: 18 },
  { id: 21, name: "IQ3_S", blockSize: QK_K, typeSize: 110 },
  { id: 22, name: "IQ2_S", blockSize: QK_K, typeSize: 82 },
  { id: 23, name: "IQ4_XS", blockSize: QK_K, typeSize: 136 },
  { id: 24, name: "I8", blockSize: 1, typeSize: 1 },
  { id: 25, name: "I16", blockSize: 1, typeSize: 2 },
  { id: 26, name: "I32", blockSize: 1, typeSize: 4 },
  { id: 27, name: "I64", blockSize: 1, typeSize: 8 },
  { id: 28, name: "F64", blockSize: 1, typeSize: 8 },
  { id: 29, name: "IQ1_M", blockSize: QK_K, typeSize: 56 },
  { id: 30, name: "BF16", blockSize: 1, typeSize: 2 },
  { id: 34, name: "TQ1_0", blockSize: QK_K, typeSize: 54 },
  { id: 35, name: "TQ2_0", blockSize: QK_K, typeSize: 66 },
  { id: 39, name: "MXFP4", blockSize: 32, typeSize: 17 },
  { id: 40, name: "NVFP4", blockSize: 64, typeSize: 36 },
  { id: 41, name: "Q1_0", blockSize: 128, typeSize: 18 },
  { id: 42, name: "Q2_0", blockSize: 64, typeSize: 18 },
];

const BY_ID = new Map(TYPES.map((t) => [t.id, t]));

/** The type with id `id`, or undefined for an id this llama.cpp release does not know. */
export function ggmlTypeInfo(id: number): GgmlTypeInfo | undefined {
  return BY_ID.get(id);
}

/** "Q8_0", or "type 99" for an unknown id. */
export function ggmlTypeName(id: number): string {
  return BY_ID.get(id)?.name ?? `type ${id}`;
}

/**
 * Bytes of a tensor of type `type` with GGUF dims `ne` (ne[0] innermost).
 * @throws AtlasError INVALID_MODEL when the type is unknown or ne[0] is not a multiple of its block size
 */
export function ggmlTensorBytes(type: number, ne: readonly number[], where: string): number {
  const info = BY_ID.get(type);
  if (info === undefined) throw new AtlasError("INVALID_MODEL", `unknown ggml type ${type}`, { where });
  const ne0 = ne[0] ?? 1;
  if (ne0 % info.blockSize !== 0)
    throw new AtlasError(
      "INVALID_MODEL",
      `row length ${ne0} is not a multiple of the ${info.name} block size ${info.blockSize}`,
      { where },
    );
  let rows = 1;
  for (let i = 1; i < ne.length; i++) rows *= ne[i]!;
  return (ne0 / info.blockSize) * info.typeSize * rows;
}
