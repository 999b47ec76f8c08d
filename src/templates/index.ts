export * from "./gemma2-template.js";
export * from "./render-chat-template.js";
export * from "./darija-tasks.js";
export * from "./ollama-template.js";
export * from "./gemma-ollama-template.js";
