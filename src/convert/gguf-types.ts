/** GGUF v3 value types and the in-memory shapes of metadata and tensor infos shared by reader and writer. */

/** "GGUF" read as a little-endian u32. */
export const GGUF_MAGIC = 0x46554747;
/** The only GGUF version atlas writes; the reader accepts 2 and 3 (same layout). */
export const GGUF_VERSION = 3;
/** Tensor data alignment when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** GGUF metadata value types. */
export const GGUF_TYPE = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** A GGUF metadata value type id. */
export type GgufValueType = (typeof GGUF_TYPE)[keyof typeof GGUF_TYPE];

/** A scalar value: numbers for ≤ 32-bit and float types, bigint for 64-bit integers. */
export type GgufScalar = number | bigint | boolean | string;

/** One metadata entry. For arrays `value` is the element list and `arrayType` their type. */
export interface GgufKv {
  key: string;
  type: GgufValueType;
  value: GgufScalar | readonly GgufScalar[];
  arrayType?: GgufValueType;
}

/** A tensor's description in the GGUF header. */
export interface GgufTensorInfo {
  name: string;
  /** ggml dims, ne[0] innermost (the reverse of the PyTorch shape). */
  ne: number[];
  /** ggml type id (see ggml-types.ts). */
  type: number;
  /** Offset from the start of the data section. */
  offset: number;
  /** Data size in bytes (computed from type and dims). */
  bytes: number;
}

/** Bytes of a fixed-size value type (0 for STRING and ARRAY). */
export function ggufScalarSize(type: number): number {
  switch (type) {
    case GGUF_TYPE.UINT8:
    case GGUF_TYPE.INT8:
    case GGUF_TYPE.BOOL:
      return 1;
    case GGUF_TYPE.UINT16:
    case GGUF_TYPE.INT16:
      return 2;
    case GGUF_TYPE.UINT32:
    case GGUF_TYPE.INT32:
    case GGUF_TYPE.FLOAT32:
      return 4;
    case GGUF_TYPE.UINT64:
    case GGUF_TYPE.INT64:
    case GGUF_TYPE.FLOAT64:
      return 8;
    default:
      return 0;
  }
}

/** Rounds `n` up to a multiple of `alignment`. */
export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

/** Convenience constructors for metadata entries. */
export const kv = {
  string: (key: string, value: string): GgufKv => ({ key, type: GGUF_TYPE.STRING, value }),
  u32: (key: string, value: number): GgufKv => ({ key, type: GGUF_TYPE.UINT32, value }),
  i32: (key: string, value: number): GgufKv => ({ key, type: GGUF_TYPE.INT32, value }),
  f32: (key: string, value: number): GgufKv => ({ key, type: GGUF_TYPE.FLOAT32, value }),
  bool: (key: string, value: boolean): GgufKv => ({ key, type: GGUF_TYPE.BOOL, value }),
  array: (key: string, arrayType: GgufValueType, value: readonly GgufScalar[]): GgufKv => ({
    key,
    type: GGUF_TYPE.ARRAY,
    arrayType,
    value,
  }),
};
