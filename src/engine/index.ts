/** The engine layer: the Engine interface, the llama.cpp implementation and a fake for tests. */
export * from "./types.js";
export { LlamaEngine } from "./llama/llama-engine.js";
export { detectGpuBackend } from "./llama/select-backend.js";
export { FakeEngine, type FakeEngineOptions } from "./fake-engine.js";
export { validateLoadOptions, LOAD_DEFAULTS } from "./llama/load-options.js";
