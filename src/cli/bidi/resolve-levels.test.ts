import { describe, expect, it } from "vitest";
import { resolveLevels } from "./resolve-levels.js";
import { visualOrder } from "./visual-order.js";

/**
 * Lines of Unicode's BidiCharacterTest.txt: code points; direction (0 LTR, 1 RTL, 2 auto); resolved
 * paragraph level; levels ("x" = removed by X9); visual order of the characters that are not removed.
 */
const BIDI_CHARACTER_TEST = [
  // UAX #9 section 3.3.5 examples.
  "05D0 05D1 0028 05D2 05D3 005B 0026 0065 0066 005D 002E 0029 0067 0068;0;0;1 1 0 1 1 0 0 0 0 0 0 0 0 0;1 0 2 4 3 5 6 7 8 9 10 11 12 13",
  "05D0 05D1 0028 05D2 05D3 005B 0026 0065 0066 005D 002E 0029 0067 0068;1;1;1 1 1 1 1 1 1 2 2 1 1 1 2 2;12 13 11 10 9 7 8 6 5 4 3 2 1 0",
  "0061 0062 0063 0020 0028 0064 0065 0066 0020 0627 0628 062C 0029 0020 05D0 05D1 05D2;0;0;0 0 0 0 0 0 0 0 0 1 1 1 0 0 1 1 1;0 1 2 3 4 5 6 7 8 11 10 9 12 13 16 15 14",
  "0061 0062 0063 0020 0028 0064 0065 0066 0020 0627 0628 062C 0029 0020 05D0 05D1 05D2;1;1;2 2 2 1 1 2 2 2 1 1 1 1 1 1 1 1 1;16 15 14 13 12 11 10 9 8 5 6 7 4 3 0 1 2",
  "05D0 05D1 05D2 0020 0028 0064 0065 0066 0020 0627 0628 062C 0029 0020 0061 0062 0063;0;0;1 1 1 0 0 0 0 0 0 1 1 1 0 0 0 0 0;2 1 0 3 4 5 6 7 8 11 10 9 12 13 14 15 16",
  "05D0 05D1 05D2 0020 0028 0064 0065 0066 0020 0627 0628 062C 0029 0020 0061 0062 0063;1;1;1 1 1 1 1 2 2 2 1 1 1 1 1 1 2 2 2;14 15 16 13 12 11 10 9 8 5 6 7 4 3 2 1 0",
  "0061 0062 0063 0020 0028 0627 0628 062C 0020 0064 0065 0066 0029 0020 05D0 05D1 05D2;0;0;0 0 0 0 0 1 1 1 0 0 0 0 0 0 1 1 1;0 1 2 3 4 7 6 5 8 9 10 11 12 13 16 15 14",
  "0061 0062 0063 0020 0028 0627 0628 062C 0020 0064 0065 0066 0029 0020 05D0 05D1 05D2;1;1;2 2 2 1 1 1 1 1 1 2 2 2 1 1 1 1 1;16 15 14 13 12 9 10 11 8 7 6 5 4 3 0 1 2",
  "05D0 05D1 05D2 0020 0028 0627 0628 062C 0020 0064 0065 0066 0029 0020 0061 0062 0063;0;0;1 1 1 0 0 1 1 1 0 0 0 0 0 0 0 0 0;2 1 0 3 4 7 6 5 8 9 10 11 12 13 14 15 16",
  "05D0 05D1 05D2 0020 0028 0627 0628 062C 0020 0064 0065 0066 0029 0020 0061 0062 0063;1;1;1 1 1 1 1 1 1 1 1 2 2 2 1 1 2 2 2;14 15 16 13 12 9 10 11 8 7 6 5 4 3 2 1 0",
  // Arabic letters and numbers.
  "0627 0628 062C 0020 0062 006F 006F 006B 0028 0073 0029;0;0;1 1 1 0 0 0 0 0 0 0 0;2 1 0 3 4 5 6 7 8 9 10",
  "0627 0628 062C 0020 0062 006F 006F 006B 0028 0073 0029;1;1;1 1 1 1 2 2 2 2 2 2 2;4 5 6 7 8 9 10 3 2 1 0",
  "062A 0031 002F 0032;2;1;1 2 2 2;1 2 3 0",
  "062A 0031 002F 0032;0;0;1 2 2 2;1 2 3 0",
  "062A 0031 002F 0032;1;1;1 2 2 2;1 2 3 0",
  "05D0 0020 0031 002D 0032;0;0;1 1 2 2 2;2 3 4 1 0",
  // FSI inside an override.
  "202D 05D0 202B 05D1 202C 2068 05D2 2069 202B 05D3 202C 05D4 202C;2;1;x 2 x 3 x 2 3 2 x 3 x 2 x;1 3 5 6 7 9 11",
  // N0: marks that follow a resolved bracket take its type.
  "0061 0028 0062 0029 0331;1;1;2 2 2 2 2;0 1 2 3 4",
  "0061 0028 0332 0062 0029 0333;1;1;2 2 2 2 2 2;0 1 2 3 4 5",
  "05D0 0028 05D1 0029 0331;0;0;1 1 1 1 1;4 3 2 1 0",
  // BD16: canonically equivalent brackets pair.
  "0061 0020 2329 0062 002E 0031 3009;1;1;2 2 2 2 2 2 2;0 1 2 3 4 5 6",
  "05D0 0020 3008 05D1 002E 0031 232A;0;0;1 1 1 1 1 2 1;6 5 4 3 2 1 0",
];

describe("resolveLevels", () => {
  it.each(BIDI_CHARACTER_TEST)("matches BidiCharacterTest: %s", (line) => {
    const [text = "", direction, paragraph, levels = "", order = ""] = line.split(";");
    const cps = text.split(" ").map((hex) => Number.parseInt(hex, 16));
    const result = resolveLevels(cps, direction === "0" ? 0 : direction === "1" ? 1 : undefined);
    expect(result.paragraphLevel).toBe(Number(paragraph));

    const expected = levels.split(" ");
    const kept = expected.flatMap((level, i) => (level === "x" ? [] : [i]));
    expect(kept.map((i) => result.levels[i])).toEqual(kept.map((i) => Number(expected[i])));
    const keptLevels = kept.map((i) => result.levels[i] ?? 0);
    expect(visualOrder(keptLevels).map((k) => kept[k])).toEqual(order.split(" ").map(Number));
  });

  it("takes the paragraph direction from the first strong character, skipping isolates", () => {
    expect(resolveLevels([0x0031, 0x0020, 0x0627]).paragraphLevel).toBe(1);
    expect(resolveLevels([0x0061, 0x0627]).paragraphLevel).toBe(0);
    // RLI ب PDI a: the Arabic inside the isolate does not count.
    expect(resolveLevels([0x2067, 0x0628, 0x2069, 0x0061]).paragraphLevel).toBe(0);
    expect(resolveLevels([0x0031, 0x0020]).paragraphLevel).toBe(0);
    expect(resolveLevels([]).levels).toEqual([]);
  });

  it("puts trailing whitespace and tabs back at the paragraph level (L1)", () => {
    // a SPACE ب SPACE TAB ب SPACE in an RTL paragraph.
    const { levels } = resolveLevels([0x0061, 0x0020, 0x0628, 0x0009, 0x0628, 0x0020], 1);
    expect(levels).toEqual([2, 1, 1, 1, 1, 1]);
  });

  it("survives embeddings nested past the maximum depth", () => {
    const cps = [...Array<number>(130).fill(0x202b), 0x0061, ...Array<number>(130).fill(0x202c)];
    const { levels } = resolveLevels(cps, 0);
    expect(levels[130]).toBe(126);
  });
});

describe("visualOrder", () => {
  it("reverses each run from the highest level down", () => {
    expect(visualOrder([0, 0, 1, 1, 0])).toEqual([0, 1, 3, 2, 4]);
    expect(visualOrder([1, 2, 2, 1])).toEqual([3, 1, 2, 0]);
    expect(visualOrder([2, 2])).toEqual([0, 1]);
    expect(visualOrder([])).toEqual([]);
  });
});
