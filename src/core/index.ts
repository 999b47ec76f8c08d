export * from "./errors.js";
export * from "./types.js";
export * from "./exit-cleanup.js";
export * from "./request.js";
