/**
 * The one table of llama.cpp's model file types (`llama_ftype`, stored as `general.file_type` in GGUF):
 * ids and the names llama.cpp prints. The converter, the quantizer and the store all read it here.
 */

/** `llama_ftype` id → name, as llama.cpp prints it. */
export const LLAMA_FILE_TYPES: Readonly<Record<number, string>> = {
  0: "F32",
  1: "F16",
  2: "Q4_0",
  3: "Q4_1",
  7: "Q8_0",
  8: "Q5_0",
  9: "Q5_1",
  10: "Q2_K",
  11: "Q3_K_S",
  12: "Q3_K_M",
  13: "Q3_K_L",
  14: "Q4_K_S",
  15: "Q4_K_M",
  16: "Q5_K_S",
  17: "Q5_K_M",
  18: "Q6_K",
  19: "IQ2_XXS",
  20: "IQ2_XS",
  21: "Q2_K_S",
  22: "IQ3_XS",
  23: "IQ3_XXS",
  24: "IQ1_S",
  25: "IQ4_NL",
  26: "IQ3_S",
  27: "IQ3_M",
  28: "IQ2_S",
  29: "IQ2_M",
  30: "IQ4_XS",
  31: "IQ1_M",
  32: "BF16",
  36: "TQ1_0",
  37: "TQ2_0",
  38: "MXFP4_MOE",
  39: "NVFP4",
  40: "Q1_0",
  41: "Q2_0",
};

/** "Q4_K_M" for 15, "file type 99" for an unknown one. */
export function fileTypeName(ftype: number): string {
  return LLAMA_FILE_TYPES[ftype] ?? `file type ${ftype}`;
}

/** The id of a file type by name, any case ("q4_k_m" → 15); undefined when unknown. */
export function fileTypeId(name: string): number | undefined {
  const upper = name.toUpperCase();
  for (const [id, known] of Object.entries(LLAMA_FILE_TYPES)) if (known === upper) return Number(id);
  return undefined;
}
