/** What a user may type as a model: an alias, `org/name[:quant]`, or a local `.gguf` / checkpoint path. */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { resolve } from "node:path";
import { AtlasError } from "../core/index.js";
import { isRepoId, resolveAlias } from "../hub/index.js";

/** A parsed model reference. */
export type ModelRef =
  | { kind: "hub"; input: string; repo: string; quant?: string }
  | { kind: "path"; input: string; path: string };

// Quant suffixes as people write them: q4_k_m, Q8_0, iq4_xs, f16, bf16, f32 …
const QUANT_SUFFIX = /^(?:i?q\d(?:_[a-z0-9]+)*|f16|bf16|f32)$/i;

function looksLikePath(text: string): boolean {
  return (
    text === "." ||
    text === ".." ||
    /^(?:\/|\.\.?[/\\]|~(?:[/\\]|$)|[A-Za-z]:[/\\])/.test(text) ||
    text.includes("\\")
  );
}

/**
 * Parses `text`: an explicit path (`/…`, `./…`, `~/…`) or an existing file/folder → path; else an alias
 * (`atlas-chat:9b`) or `org/name`, each optionally followed by `:<quant>`.
 * @throws AtlasError BAD_ARGUMENT when it is none of these.
 * @example parseModelRef("atlas-chat:9b:q8_0") // { kind: "hub", repo: "MBZUAI-Paris/Atlas-Chat-9B", quant: "q8_0" }
 */
export function parseModelRef(text: string, cwd = process.cwd()): ModelRef {
  const input = text.trim();
  if (input === "") throw new AtlasError("BAD_ARGUMENT", "no model given");
  if (looksLikePath(input) || existsSync(resolve(cwd, input))) {
    const expanded = input === "~" || input.startsWith("~/") ? `${homedir()}${input.slice(1)}` : input;
    return { kind: "path", input, path: resolve(cwd, expanded) };
  }
  let base = input;
  let quant: string | undefined;
  const colon = input.lastIndexOf(":");
  if (colon > 0 && QUANT_SUFFIX.test(input.slice(colon + 1))) {
    base = input.slice(0, colon);
    quant = input.slice(colon + 1).toLowerCase();
  }
  const repo = resolveAlias(base) ?? (isRepoId(base) ? base : undefined);
  if (repo === undefined)
    throw new AtlasError("BAD_ARGUMENT", `'${input}' is not a model id, an alias or an existing path`, {
      hint: "use org/name (e.g. MBZUAI-Paris/Atlas-Chat-2B), atlas-chat:2b|9b|27b, or a .gguf file / checkpoint folder",
    });
  return { kind: "hub", input, repo, ...(quant === undefined ? {} : { quant }) };
}
