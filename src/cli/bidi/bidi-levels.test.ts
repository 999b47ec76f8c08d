import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bidiClass, mirrorGlyph, resolveLevels, visualOrder } from "./bidi-levels.js";

/** Lines of Unicode's BidiCharacterTest.txt with Arabic and mixed text (see the fixture's header). */
const CONFORMANCE = readFileSync(new URL("./fixtures/bidi-character-test.txt", import.meta.url), "utf8")
  .split("\n")
  .filter((line) => line !== "" && !line.startsWith("#"));

/** What went wrong on one line, or undefined when it conforms. */
function check(line: string): string | undefined {
  const [text = "", direction, paragraph, levels = "", order = ""] = line.split(";");
  const cps = text.split(" ").map((hex) => Number.parseInt(hex, 16));
  const result = resolveLevels(cps, direction === "0" ? "ltr" : direction === "1" ? "rtl" : undefined);
  if (result.paragraphLevel !== Number(paragraph)) return `paragraph level ${result.paragraphLevel}`;
  const expected = levels.split(" ");
  const kept = expected.flatMap((level, i) => (level === "x" ? [] : [i]));
  const got = kept.map((i) => result.levels[i] ?? -1);
  if (got.join(" ") !== kept.map((i) => expected[i]).join(" ")) return `levels ${got.join(" ")}`;
  const visual = visualOrder(
    kept.map((i) => cps[i] ?? 0),
    got,
    result.paragraphLevel,
  ).map((k) => kept[k]);
  if (visual.join(" ") !== order) return `order ${visual.join(" ")}`;
  return undefined;
}

describe("UAX #9 by bidi-js", () => {
  it(`conforms on ${CONFORMANCE.length} lines of BidiCharacterTest (Arabic, Hebrew, Latin, digits)`, () => {
    expect(CONFORMANCE.length).toBeGreaterThan(300);
    expect(
      CONFORMANCE.filter((line) => /\b(06[0-9A-F]{2}|FE[7-9A-F][0-9A-F])\b/.test(line)).length,
    ).toBeGreaterThan(80);
    const failures = CONFORMANCE.flatMap((line) => {
      const problem = check(line);
      return problem === undefined ? [] : [`${line}  →  ${problem}`];
    });
    expect(failures).toEqual([]);
  });

  it("takes the paragraph direction from the first strong character, skipping isolates", () => {
    expect(resolveLevels([0x0031, 0x0020, 0x0627]).paragraphLevel).toBe(1);
    expect(resolveLevels([0x0061, 0x0627]).paragraphLevel).toBe(0);
    // RLI ب PDI a: the Arabic inside the isolate does not count.
    expect(resolveLevels([0x2067, 0x0628, 0x2069, 0x0061]).paragraphLevel).toBe(0);
    expect(resolveLevels([0x0031, 0x0020]).paragraphLevel).toBe(0);
    expect(resolveLevels([]).levels).toEqual([]);
  });

  it("classifies characters outside the BMP by their own class (an emoji is neutral, not L)", () => {
    expect(bidiClass(0x1f44b)).toBe("ON");
    expect(bidiClass(0x10900)).toBe("R"); // Phoenician
    // ب 👋 ب in an RTL paragraph: the neutral emoji between two Arabic letters is right to left.
    const { levels } = resolveLevels([0x0628, 0x1f44b, 0x0628]);
    expect(levels).toEqual([1, 1, 1]);
  });

  it("mirrors brackets at odd levels", () => {
    expect(mirrorGlyph(0x28)).toBe(0x29);
    expect(mirrorGlyph(0xab)).toBe(0xbb);
    expect(mirrorGlyph(0x61)).toBeUndefined();
  });
});
