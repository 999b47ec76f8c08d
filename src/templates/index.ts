export * from "./gemma2-template.js";
export * from "./render-chat-template.js";
export * from "./darija-tasks.js";
