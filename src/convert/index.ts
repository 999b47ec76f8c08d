/**
 * The converter's public API: Hugging Face Gemma-2 safetensors → GGUF (`convertModel`), summaries of GGUF
 * files and checkpoint folders (`inspectModel`), and the GGUF reader for tools and tests.
 */
export { convertModel, attentionScaleFactor } from "./convert-model.js";
export type { ConvertOptions, ConvertProgress, ConvertResult } from "./convert-model.js";
export type { RowTransform } from "./tensor-plan.js";
export { OUTPUT_TYPES, FILE_TYPE_OF, isKQuant, parseOutputType } from "./output-types.js";
export type { OutputType, KQuantType } from "./output-types.js";
export { inspectModel } from "./inspect-model.js";
export type { ModelSummary, TensorSummary, SpecialTokenSummary } from "./inspect-model.js";
export { readGguf, readGgufTensor, ggufArray, ggufNumber, ggufScalar, ggufString } from "./gguf-reader.js";
export type { GgufFile } from "./gguf-reader.js";
export { GGUF_TYPE } from "./gguf-types.js";
export type { GgufKv, GgufScalar, GgufTensorInfo, GgufValueType } from "./gguf-types.js";
export { GGML_TYPE, ggmlTypeName, ggmlTypeInfo } from "./ggml-types.js";
export type { GgmlTypeInfo } from "./ggml-types.js";
export { readSafetensorsHeader } from "./safetensors.js";
export type { SafetensorsFile, SafetensorsTensor, SafetensorsDtype } from "./safetensors.js";
export { parseSentencePieceModel } from "./sentencepiece-model.js";
export type { SentencePieceModel } from "./sentencepiece-model.js";
