import { describe, expect, it } from "vitest";
import { bidiClass } from "./bidi-class.js";
import { mirrorGlyph, pairedBracket } from "./mirror-glyph.js";

const cp = (ch: string): number => ch.codePointAt(0) ?? 0;

describe("bidiClass", () => {
  it.each([
    ["a", "L"],
    ["é", "L"],
    ["ש", "R"],
    ["ب", "AL"],
    ["؟", "AL"],
    ["\ufefb", "AL"], // lam-alef ligature: presentation forms stay Arabic letters
    ["1", "EN"],
    ["۲", "EN"], // extended Arabic-Indic digits are European numbers
    ["٣", "AN"],
    ["-", "ES"],
    ["+", "ES"],
    ["%", "ET"],
    ["$", "ET"],
    ["€", "ET"],
    [",", "CS"],
    ["،", "CS"],
    [":", "CS"],
    ["\u00a0", "CS"],
    ["\u064e", "NSM"], // fatha
    ["\u0301", "NSM"],
    ["\u200d", "BN"],
    ["\u00ad", "BN"],
    ["\x1b", "BN"],
    ["\n", "B"],
    ["\u2029", "B"],
    ["\t", "S"],
    [" ", "WS"],
    ["\u2003", "WS"],
    ["!", "ON"],
    ["(", "ON"],
    ["😀", "ON"],
    ["\u202b", "RLE"],
    ["\u202e", "RLO"],
    ["\u2067", "RLI"],
    ["\u2068", "FSI"],
    ["\u2069", "PDI"],
    ["\u200f", "R"],
    ["\u061c", "AL"],
    ["ⵜ", "L"], // Tifinagh, for Amazigh
    ["⠁", "L"], // Braille symbols are letters for bidi
  ])("%s is %s", (ch, expected) => {
    expect(bidiClass(cp(ch))).toBe(expected);
  });

  it("defaults unassigned code points of right-to-left blocks to R or AL", () => {
    expect(bidiClass(0x05ff)).toBe("R");
    expect(bidiClass(0x07bf)).toBe("AL");
    expect(bidiClass(0x1eeff)).toBe("AL");
    expect(bidiClass(0x10ffff)).toBe("BN"); // a noncharacter
  });
});

describe("mirrorGlyph / pairedBracket", () => {
  it("mirrors brackets, guillemets and comparison signs both ways", () => {
    expect(mirrorGlyph(cp("("))).toBe(cp(")"));
    expect(mirrorGlyph(cp(")"))).toBe(cp("("));
    expect(mirrorGlyph(cp("«"))).toBe(cp("»"));
    expect(mirrorGlyph(cp("≤"))).toBe(cp("≥"));
    expect(mirrorGlyph(cp("a"))).toBeUndefined();
  });

  it("knows which brackets open and close, with U+2329 canonically U+3008", () => {
    expect(pairedBracket(cp("["))).toEqual({ pair: cp("]"), opening: true });
    expect(pairedBracket(cp("}"))).toEqual({ pair: cp("{"), opening: false });
    expect(pairedBracket(0x2329)).toEqual({ pair: 0x3009, opening: true });
    expect(pairedBracket(cp("«"))).toBeUndefined(); // mirrored, but not a bracket pair for N0
  });
});
