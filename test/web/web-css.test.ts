/**
 * The page's stylesheets use logical properties only (inline/block, start/end), so the layout mirrors
 * with the direction: physical ones (left/right/top/bottom, width/height, text-align: left …) are refused.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const STYLES = fileURLToPath(new URL("../../web/src/", import.meta.url));

/** Physical properties and values, each with the logical one to use. */
const PHYSICAL: readonly [RegExp, string][] = [
  [/(?<![-\w])(margin|padding|border)-(top|bottom|left|right)\b/, "…-block-start/end, …-inline-start/end"],
  [/(?<![-\w])(top|bottom|left|right)\s*:/, "inset-block-start/end, inset-inline-start/end"],
  [/(?<![-\w])(min-|max-)?(width|height)\s*:/, "inline-size / block-size"],
  [/(?<![-\w])(text-align|float|clear)\s*:\s*(left|right)\b/, "start / end"],
  [/(?<![-\w])overflow-(x|y)\s*:/, "overflow"],
  [/(?<![-\w])border-(top|bottom)-(left|right)-radius\b/, "border-start-start-radius …"],
];

describe("web/src stylesheets", () => {
  const files = readdirSync(STYLES).filter((f) => f.endsWith(".css"));

  it("exist", () => {
    expect(files).toEqual(expect.arrayContaining(["app.css", "fonts.css"]));
  });

  it.each(files)("%s uses logical properties only", (file) => {
    const css = readFileSync(STYLES + file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
    const found = css
      .split("\n")
      .flatMap((line, i) =>
        line.trimStart().startsWith("@media")
          ? []
          : PHYSICAL.filter(([re]) => re.test(line)).map(
              ([, use]) => `${file}:${i + 1}: ${line.trim()} (use ${use})`,
            ),
      );
    expect(found).toEqual([]);
  });
});
