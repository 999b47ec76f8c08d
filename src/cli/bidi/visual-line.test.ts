import { describe, expect, it } from "vitest";
import { shapeArabic } from "./shape-arabic.js";
import { visualLine } from "./visual-line.js";

const codePoints = (text: string): number[] => Array.from(text, (ch) => ch.codePointAt(0) ?? 0);
/** What an RTL-only line should look like: shaped, then code points reversed. */
const reversedShaped = (text: string): string => Array.from(shapeArabic(text)).reverse().join("");

describe("visualLine", () => {
  it("reverses an Arabic question and shapes it: the first word ends up rightmost", () => {
    const visual = visualLine("شنو كيتسمى المنتخب المغربي؟");
    // ؟ is the last character typed, so the leftmost drawn; شنو the first, so the rightmost.
    expect(codePoints(visual)[0]).toBe(0x061f);
    expect(visual.endsWith("\ufeee\ufee8\ufeb7")).toBe(true); // و final, ن medial, ش initial
    expect(visual).toBe(reversedShaped("شنو كيتسمى المنتخب المغربي؟"));
    expect(visual.split(" ")).toHaveLength(4);
  });

  it("keeps numbers left to right inside Arabic text", () => {
    const visual = visualLine("المنتخب ربح 3-0 ف كأس إفريقيا 2025");
    expect(visual.startsWith("2025 ")).toBe(true);
    expect(visual.endsWith(reversedShaped("المنتخب"))).toBe(true);
    // UAX #9: after Arabic letters, digits are Arabic numbers (W2) and "-" does not join two of them
    // (W4 joins only European numbers), so "3-0" is drawn "0-3", and is read right to left as 3-0:
    // what browsers and bidi terminals show too, and what the author of the text saw.
    expect(visual).toContain(" 0-3 ");
    // "/", ":" and "." do join Arabic numbers (CS between AN and AN).
    expect(visualLine("الماتش ف 20:30")).toBe(`20:30 ${reversedShaped("الماتش ف")}`);
    expect(visualLine("ربحو 1/0")).toBe(`1/0 ${reversedShaped("ربحو")}`);
    expect(visualLine("الثمن 12.50 درهم")).toBe(`${reversedShaped("درهم")} 12.50 ${reversedShaped("الثمن")}`);
  });

  it("reverses only the Arabic run when the line starts with Latin (LTR paragraph)", () => {
    expect(visualLine("Atlas-Chat كيهضر بالدارجة")).toBe(`Atlas-Chat ${reversedShaped("كيهضر بالدارجة")}`);
  });

  it("keeps a Latin run in its own order inside an Arabic line", () => {
    const visual = visualLine("جرب Atlas-Chat 9B دابا");
    expect(visual).toBe(`${reversedShaped("دابا")} Atlas-Chat 9B ${reversedShaped("جرب")}`);
  });

  it("returns ASCII, Latin and Arabizi lines unchanged", () => {
    for (const line of ["salam 3lik", "kif dayr? 7ta ana bikhir", "", "    ", "café – naïve", "ok 👍"]) {
      expect(visualLine(line)).toBe(line);
    }
  });

  it("forms lam-alef", () => {
    expect(codePoints(visualLine("لا"))).toEqual([0xfefb]);
  });

  it("keeps harakat after their letter once reversed, so the terminal puts them on the right cell", () => {
    expect(codePoints(visualLine("بَاب"))).toEqual([0xfe8f, 0xfe8e, 0xfe91, 0x064e]);
  });

  it("handles Arabic punctuation at the ends", () => {
    expect(visualLine("واخا، نمشيو؟")).toBe(`؟${reversedShaped("نمشيو")} ،${reversedShaped("واخا")}`);
    expect(visualLine("؟ علاش")).toBe(`${reversedShaped("علاش")} ؟`);
  });

  it("mirrors brackets in right-to-left text", () => {
    expect(visualLine("(مرحبا)")).toBe(`(${reversedShaped("مرحبا")})`);
    expect(visualLine("شوف [هنا]")).toBe(`[${reversedShaped("هنا")}] ${reversedShaped("شوف")}`);
    expect(visualLine("الجواب (answer) هو")).toBe(
      `${reversedShaped("هو")} (answer) ${reversedShaped("الجواب")}`,
    );
  });

  it("keeps emoji, with skin tones and ZWJ sequences, in one piece", () => {
    expect(visualLine("مرحبا 👋🏽")).toBe(`👋🏽 ${reversedShaped("مرحبا")}`);
    expect(visualLine("العائلة 👨‍👩‍👧")).toBe(`👨‍👩‍👧 ${reversedShaped("العائلة")}`);
  });

  it("keeps trailing spaces at the paragraph end: the left side of an RTL line", () => {
    expect(visualLine("سلام  ")).toBe(`  ${reversedShaped("سلام")}`);
  });

  it("drops explicit bidi controls once applied", () => {
    expect(visualLine("\u200fabc")).toBe("abc");
    // RLO forces right to left: the Latin letters come out reversed.
    expect(visualLine("\u202eabc\u202c")).toBe("cba");
  });

  it("treats each CR-separated piece as its own paragraph", () => {
    expect(visualLine("سلام\r\nhi")).toBe(`${reversedShaped("سلام")}\r\nhi`);
  });

  it("moves colours with their text and leaves other escape sequences whole", () => {
    expect(visualLine("\x1b[2mسلام\x1b[22m")).toBe(`\x1b[2m${reversedShaped("سلام")}\x1b[22m`);
    expect(visualLine("abc \x1b[31mسلام\x1b[0m def")).toBe(
      `abc \x1b[31m${reversedShaped("سلام")}\x1b[0m def`,
    );
    // Two colours in one Arabic run swap places, and each keeps its own colour: going back to red
    // takes a reset and a replay.
    expect(visualLine("\x1b[31mبا\x1b[32mبا\x1b[0m")).toBe(
      `\x1b[31m\x1b[32m${reversedShaped("با")}\x1b[0m\x1b[31m${reversedShaped("با")}\x1b[0m`,
    );
    expect(visualLine("\x1b[Kسلام")).toBe(`\x1b[K${reversedShaped("سلام")}`);
  });

  it("keeps a surrogate pair whole and leaves a lone surrogate in place", () => {
    expect(visualLine("ب 𝐀")).toBe(`𝐀 ${reversedShaped("ب")}`);
    expect(visualLine("ب \ud83d")).toBe(`\ud83d ${reversedShaped("ب")}`);
  });
});
