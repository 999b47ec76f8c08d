/**
 * The `atlas-chat` library: the public API that docs/library.md documents. Internals (locks, the blob
 * downloader, cache layout, atomic writes, the native binding) stay inside their layers; the CLI and the
 * server import them from there.
 */
export {
  ATLAS_ERROR_CODES,
  AtlasError,
  isAtlasError,
  type AtlasErrorCode,
  type AtlasErrorDetails,
  type AtlasErrorOptions,
  type ChatMessage,
  type ChatRole,
  type TokenUsage,
} from "./core/index.js";
export * from "./core/request.js";
export {
  FILE_TYPE_OF,
  OUTPUT_TYPES,
  convertModel,
  ggufArray,
  ggufNumber,
  ggufScalar,
  ggufString,
  inspectModel,
  parseOutputType,
  readGguf,
  readGgufTensor,
  type ConvertOptions,
  type ConvertProgress,
  type ConvertResult,
  type GgufFile,
  type GgufKv,
  type GgufScalar,
  type GgufTensorInfo,
  type ModelSummary,
  type OutputType,
  type SpecialTokenSummary,
  type TensorSummary,
} from "./convert/index.js";
export {
  MODEL_ALIASES,
  downloadSnapshot,
  type DownloadSnapshotOptions,
  type RetryEvent,
  type RetryOptions,
  type SnapshotFile,
  type SnapshotProgress,
  type SnapshotResult,
  type SnapshotSelection,
} from "./hub/index.js";
export {
  DEFAULT_QUANT,
  listModels,
  parseModelRef,
  pullModel,
  removeModel,
  resolveModel,
  type ListModelsOptions,
  type ModelManifest,
  type ModelRef,
  type PullModelOptions,
  type PullProgress,
  type PullResult,
  type RemoveModelOptions,
  type RemovedModel,
  type ResolveModelOptions,
  type ResolvedModel,
  type StoredModel,
} from "./store/index.js";
export * from "./templates/index.js";
export * from "./engine/index.js";
export * from "./api/index.js";
export * from "./eval/index.js";
export * from "./server/index.js";
export {
  ATLAS_CHAT_LORA,
  IGNORE_INDEX,
  LORA_OUTPUT_TYPES,
  buildSftData,
  convertPeftAdapter,
  mergeLora,
  openTokenizer,
  readLoraGguf,
  readSftStats,
  writeTrainConfig,
  type BuildProgress,
  type BuildSftOptions,
  type BuildSftResult,
  type ConvertPeftOptions,
  type ConvertPeftResult,
  type LoraOutputType,
  type LoraRecipe,
  type MergeLoraOptions,
  type MergeLoraResult,
  type ModelTokenizer,
  type SftStats,
  type SftStatsReport,
  type TrainConfigOptions,
  type TrainConfigResult,
} from "./tune/index.js";
