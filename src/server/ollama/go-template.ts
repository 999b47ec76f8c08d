/**
 * Ollama's `template` field (a Go text/template): the parser and renderer live in src/templates, where
 * the store checks a Modelfile's TEMPLATE with the same code. Re-exported here for the Ollama mappers.
 */
export { renderOllamaTemplate, type TemplateValues } from "../../templates/index.js";
