/**
 * The atlas model store (`$ATLAS_HOME/models/<org>/<name>/<sha>/<quant>.gguf` + manifest.json): pull
 * (download + convert), list, remove, and resolve what `atlas run`/`serve` are given. May import core,
 * config, hub and convert.
 */
export * from "./atlas-version.js";
export * from "./convert-local-checkpoint.js";
export * from "./list-models.js";
export * from "./manifest.js";
export * from "./model-ref.js";
export * from "./pull-model.js";
export * from "./remove-model.js";
export * from "./resolve-model.js";
export * from "./store-entries.js";
export * from "./store-gguf-file.js";
export * from "./store-layout.js";
export * from "./modelfile/parse-modelfile.js";
export * from "./modelfile/model-parameters.js";
export * from "./modelfile/modelfile-request.js";
export * from "./modelfile/format-modelfile.js";
export * from "./modelfile/create-from-modelfile.js";
export * from "./created/model-name.js";
export * from "./created/created-store.js";
export * from "./created/create-types.js";
export * from "./created/create-model.js";
export * from "./created/chat-defaults.js";
export * from "./created/blob-store.js";
export * from "./created/list-created-models.js";
