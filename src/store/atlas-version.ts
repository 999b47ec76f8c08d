/** The atlas-chat version recorded in manifests. */
import { readFileSync } from "node:fs";

let cached: string | undefined;

/** `version` of our package.json (works from src/ under tsx/vitest and from dist/). */
export function atlasVersion(): string {
  if (cached !== undefined) return cached;
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version?: unknown;
    };
    cached = typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    cached = "unknown";
  }
  return cached;
}
