import { describe, expect, it } from "vitest";
import {
  foldArabizi,
  normalizeSearchText,
  parseSearchQuery,
  searchKeys,
  skeletonMatches,
  wordSkeleton,
} from "./search-keys.js";

/** Does `query` find `text` (level 1 or level 2, as the store searches)? */
function finds(query: string, text: string): boolean {
  const q = parseSearchQuery(query);
  const keys = searchKeys(text);
  if (q.text !== "" && keys.text.includes(q.text)) return true;
  return q.words.length > 0 && q.words.every((w) => skeletonMatches(w, keys));
}

describe("normalizeSearchText", () => {
  it.each([
    ["أنا", "انا"],
    ["إلى", "الي"],
    ["آش", "اش"],
    ["ٱلمغرب", "المغرب"],
    ["مدرسة", "مدرسه"],
    ["مسؤول", "مسوول"],
    ["قائد", "قايد"],
    ["شيء", "شي"],
    ["كيفَاشْ", "كيفاش"],
    ["مزيـــــان", "مزيان"],
    ["ڭاع", "كاع"],
    ["ݣلس", "كلس"],
    ["ڤيديو", "فيديو"],
    ["١٢٣ ۴۵", "123 45"],
    ["ﻻ", "لا"],
    ["Ça va, Khouya?!", "ca va khouya"],
    ["\u200fواش\u200e", "واش"],
  ])("%s → %s", (input, expected) => {
    expect(normalizeSearchText(input)).toBe(expected);
  });
});

describe("Arabizi folding and skeletons", () => {
  it("folds digits and digraphs", () => {
    expect(foldArabizi("3lach")).toBe("علش");
    expect(foldArabizi("7ta")).toBe("حت");
    expect(foldArabizi("9alb")).toBe("قلب");
    expect(foldArabizi("5ouya")).toBe("خوي");
    expect(foldArabizi("chokran")).toBe("شوكرن");
    expect(foldArabizi("xno")).toBe("شنو");
    expect(foldArabizi("merci")).toBe("مرسي");
    expect(foldArabizi("3'ali")).toBe("غلي");
  });

  it("gives Arabizi and Arabic spellings of a word the same skeleton", () => {
    const pairs: [string, string][] = [
      ["3lach", "علاش"],
      ["wach", "واش"],
      ["bzzaf", "بزاف"],
      ["bezaf", "بزاف"],
      ["khouya", "خويا"],
      ["kifach", "كيفاش"],
      ["mzyan", "مزيان"],
      ["sbah", "صباح"],
      ["lkhir", "الخير"],
      ["chno", "شنو"],
      ["xno", "شنو"],
      ["shno", "شنو"],
      ["dyal", "ديال"],
      ["mdina", "مدينة"],
      ["labas", "لاباس"],
      ["3ndek", "عندك"],
    ];
    for (const [latin, arabic] of pairs) {
      const a = wordSkeleton(normalizeSearchText(latin))!;
      const b = wordSkeleton(normalizeSearchText(arabic))!;
      expect(a.strict === b.strict || a.loose === b.loose, `${latin} ~ ${arabic}`).toBe(true);
    }
  });

  it("has no skeleton for numbers", () => {
    expect(wordSkeleton("2024")).toBeUndefined();
  });
});

describe("search matching", () => {
  const message = "السلام عليكم، كيفاش نقدر نمشي لمراكش؟ بغيت نعرف واش الطريق مزيانة بزّاف";
  it.each([
    "كيفاش",
    "كيفَاش",
    "كيـــفاش",
    "مراكش",
    "kifach",
    "kifash",
    "bzaf",
    "bzzaf",
    "wach",
    "mzyana",
    "salam",
    "bghit",
    "marrakech",
  ])("finds %s in an Arabic-script message", (query) => {
    expect(finds(query, message)).toBe(true);
  });

  it("finds Arabic-script queries in an Arabizi message", () => {
    const arabizi = "salam khouya, 3lach ma jitich lbare7? kan 3ndna match zwin bzzaf";
    for (const query of ["علاش", "خويا", "بزاف", "البارح", "زوين", "عندنا"])
      expect(finds(query, arabizi), query).toBe(true);
  });

  it("finds hamza and alef variants both ways", () => {
    expect(finds("انا", "أنا مزيان")).toBe(true);
    expect(finds("أنا", "انا مزيان")).toBe(true);
    expect(finds("مسؤول", "هو المسوول")).toBe(true);
    expect(finds("مدرسه", "مشيت للمدرسة")).toBe(true);
  });

  it("does not find unrelated words", () => {
    expect(finds("طاجين", message)).toBe(false);
    expect(finds("tajine", message)).toBe(false);
    expect(finds("couscous", "بغيت ناكل الطاجين")).toBe(false);
    expect(finds("كسكس", "the weather is nice")).toBe(false);
  });

  it("requires every word of a multi-word query", () => {
    expect(finds("kifach marrakech", message)).toBe(true);
    expect(finds("kifach tajine", message)).toBe(false);
  });

  it("matches a phrase across punctuation at level 1", () => {
    expect(finds("عليكم كيفاش", message)).toBe(true);
  });
});
