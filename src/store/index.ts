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
