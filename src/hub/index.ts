/**
 * The hub layer: hub API calls (via @huggingface/hub), resumable verified downloads into the
 * Python-compatible HF cache, auth, model aliases and lock files. May import only core and config.
 */
export * from "./aliases.js";
export * from "./backoff.js";
export * from "./blob-digest.js";
export * from "./cache-layout.js";
export * from "./cache-refs.js";
export * from "./download-blob.js";
export * from "./download-repo-files.js";
export * from "./download-snapshot.js";
export * from "./find-cached-snapshot.js";
export * from "./hub-dispatcher.js";
export * from "./hub-error.js";
export * from "./hub-fetch.js";
export * from "./link-snapshot-file.js";
export * from "./list-repo-files.js";
export * from "./map-limit.js";
export * from "./proxy-route.js";
export * from "./rate-limit.js";
export * from "./repo-id.js";
export * from "./resolve-for-download.js";
export * from "./resolve-revision.js";
export * from "./resolve-token.js";
export * from "./select-checkpoint-files.js";
export * from "./snapshot-types.js";
export * from "./stored-tokens.js";
