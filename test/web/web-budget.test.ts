/** The built page stays within its first-load budget: ≤ 250 KB of gzipped JavaScript (fonts excluded). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DEFAULT_WEB_ROOT } from "../../src/server/ui/static-page.js";
import { pageIsBuilt } from "./web-fixtures.js";

/** docs/BENCHMARKS.md § Web chat page weight. */
const FIRST_LOAD_JS_BUDGET = 250 * 1024;

describe("the built page", () => {
  it("loads at most 250 KB of gzipped JavaScript at first", () => {
    if (!pageIsBuilt()) throw new Error("the web page is not built: run `npm run build` first");
    const html = readFileSync(join(DEFAULT_WEB_ROOT, "index.html"), "utf8");
    const scripts = [
      ...html.matchAll(/<script[^>]*\bsrc="\/([^"]+)"/g),
      ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="\/([^"]+)"/g),
    ].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    const gzipped = scripts.reduce(
      (sum, file) => sum + gzipSync(readFileSync(join(DEFAULT_WEB_ROOT, file))).length,
      0,
    );
    expect(gzipped).toBeLessThanOrEqual(FIRST_LOAD_JS_BUDGET);
    // No script or font comes from elsewhere.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});
