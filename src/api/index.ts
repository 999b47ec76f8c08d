/** The high-level library API: loadModel, AtlasModel, pipeline. */
export * from "./atlas-model.js";
export * from "./load-model.js";
export * from "./pipeline.js";
export * from "./read-prompt-format.js";
export { inspectModel, type ModelSummary } from "../convert/index.js";
export * from "./model-defaults.js";
