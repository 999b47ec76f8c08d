import { describe, expect, it } from "vitest";
import { joiningType } from "./joining-type.js";
import { shapeArabic, shapeCodePoints } from "./shape-arabic.js";

const codePoints = (text: string): number[] => Array.from(text, (ch) => ch.codePointAt(0) ?? 0);

describe("shapeArabic", () => {
  it("gives each letter of a word its initial, medial or final form", () => {
    // شنو: sheen initial, noon medial, waw final.
    expect(codePoints(shapeArabic("شنو"))).toEqual([0xfeb7, 0xfee8, 0xfeee]);
    // كيتسمى: kaf initial, yeh/teh/seen/meem medial, alef maksura final.
    expect(codePoints(shapeArabic("كيتسمى"))).toEqual([0xfedb, 0xfef4, 0xfe98, 0xfeb4, 0xfee4, 0xfef0]);
  });

  it("uses isolated forms for lone letters and starts over after right-joining ones", () => {
    expect(codePoints(shapeArabic("ف"))).toEqual([0xfed1]);
    // دار: dal, alef and reh only join to the letter before them, so all three stand alone.
    expect(codePoints(shapeArabic("دار"))).toEqual([0xfea9, 0xfe8d, 0xfead]);
    // باب: beh initial, alef final, then the second beh starts over, isolated.
    expect(codePoints(shapeArabic("باب"))).toEqual([0xfe91, 0xfe8e, 0xfe8f]);
    // Teh marbuta takes its final form after a joining letter.
    expect(codePoints(shapeArabic("بة"))).toEqual([0xfe91, 0xfe94]);
  });

  it("forms the four lam-alef ligatures, isolated or final", () => {
    expect(codePoints(shapeArabic("لا"))).toEqual([0xfefb]);
    expect(codePoints(shapeArabic("لأ"))).toEqual([0xfef7]);
    expect(codePoints(shapeArabic("لإ"))).toEqual([0xfef9]);
    expect(codePoints(shapeArabic("لآ"))).toEqual([0xfef5]);
    // سلام: seen initial, lam-alef final (the lam is joined to the seen), meem isolated.
    expect(codePoints(shapeArabic("سلام"))).toEqual([0xfeb3, 0xfefc, 0xfee1]);
  });

  it("treats harakat as transparent and keeps them after their letter", () => {
    // مَرْحَبًا
    expect(codePoints(shapeArabic("مَرْحَبًا"))).toEqual([
      0xfee3, 0x064e, 0xfeae, 0x0652, 0xfea3, 0x064e, 0xfe92, 0x064b, 0xfe8e,
    ]);
    // A fatha between lam and alef still gives the ligature, which then carries it.
    expect(codePoints(shapeArabic("لَا"))).toEqual([0xfefb, 0x064e]);
  });

  it("joins through tatweel and ZWJ, breaks at ZWNJ, and drops the used joiners", () => {
    expect(codePoints(shapeArabic("بـ"))).toEqual([0xfe91, 0x0640]);
    expect(codePoints(shapeArabic("ـب"))).toEqual([0x0640, 0xfe90]);
    expect(codePoints(shapeArabic("ب\u200d"))).toEqual([0xfe91]);
    expect(codePoints(shapeArabic("ب\u200cب"))).toEqual([0xfe8f, 0xfe8f]);
    // ZWJ inside an emoji sequence is not an Arabic joiner and stays.
    expect(shapeArabic("👨\u200d👩")).toBe("👨\u200d👩");
  });

  it("shapes the Moroccan letters ڭ (ng) and ڤ (veh)", () => {
    // ڭال: ng initial, alef final, lam isolated.
    expect(codePoints(shapeArabic("ڭال"))).toEqual([0xfbd5, 0xfe8e, 0xfedd]);
    expect(codePoints(shapeArabic("ڤ"))).toEqual([0xfb6a]);
  });

  it("leaves everything that is not an Arabic letter alone", () => {
    for (const text of ["salam 3lik", "", "   ", "2025 ؟ ، 😀", "שלום"]) expect(shapeArabic(text)).toBe(text);
  });

  it("tracks which input each output code point came from", () => {
    const shaped = shapeCodePoints(codePoints("a لا\u200cب"));
    expect(shaped.cps).toEqual([0x61, 0x20, 0xfefb, 0xfe8f]);
    expect(shaped.source).toEqual([0, 1, 2, 5]);
  });
});

describe("joiningType", () => {
  it("classifies letters, joiners and marks", () => {
    expect(joiningType(0x0628)).toBe("D");
    expect(joiningType(0x0627)).toBe("R");
    expect(joiningType(0x0621)).toBe("U");
    expect(joiningType(0x0640)).toBe("C");
    expect(joiningType(0x200d)).toBe("C");
    expect(joiningType(0x200c)).toBe("U");
    expect(joiningType(0x064e)).toBe("T");
    expect(joiningType(0x0061)).toBe("U");
    expect(joiningType(0x06ad)).toBe("D");
  });
});
