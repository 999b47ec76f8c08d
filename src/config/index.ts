export * from "./env.js";
export * from "./expand-path.js";
