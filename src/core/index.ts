export * from "./errors.js";
export * from "./types.js";
export * from "./exit-cleanup.js";
export * from "./request.js";
export * from "./atomic-write.js";
export * from "./lock-file.js";
export * from "./quant-types.js";
export * from "./format-bytes.js";
