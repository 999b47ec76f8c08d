/** The `atlas-chat` library: everything the CLI can do, as functions. */
export * from "./core/index.js";
export * from "./config/index.js";
export * from "./convert/index.js";
export {
  CHECKPOINT_FILES,
  MODEL_ALIASES,
  acquireLock,
  downloadBlob,
  downloadSnapshot,
  findCachedSnapshot,
  listRepoFiles,
  parseRepoId,
  repoCachePaths,
  resolveAlias,
  resolveRevision,
  resolveToken,
  selectCheckpointFiles,
  type DownloadBlobOptions,
  type DownloadSnapshotOptions,
  type FileLock,
  type LockOptions,
  type RepoCachePaths,
  type RepoFile,
  type RetryOptions,
  type RevisionInfo,
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
export * from "./server/index.js";
