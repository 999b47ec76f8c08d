/** The `atlas-chat` library: everything the CLI can do, as functions. */
export * from "./core/index.js";
export * from "./config/index.js";
