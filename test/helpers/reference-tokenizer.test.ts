import { describe, expect, it } from "vitest";
import { TEST_STRING_CASES, TEST_STRINGS } from "./corpus.js";
import { gemma2Vocab } from "./gemma2-vocab.js";
import { ReferenceTokenizer } from "./reference-tokenizer.js";
import { PIECE_TYPE } from "./sentencepiece-model-writer.js";

const vocab = gemma2Vocab(640);
const ids = vocab.specialIds;
const tok = new ReferenceTokenizer(vocab);

describe("ReferenceTokenizer on the generated vocabulary", () => {
  it.each(TEST_STRINGS.map((s) => [JSON.stringify(s), s]))("round-trips %s", (_, text) => {
    expect(tok.decode(tok.encode(text))).toBe(text);
    expect(tok.decode(tok.encode(text, { addBos: true }))).toBe(text);
  });

  it("is deterministic and uses trained merges on corpus text", () => {
    const text = TEST_STRING_CASES["darijaArabic"]!;
    expect(tok.encode(text)).toEqual(tok.encode(text));
    expect(tok.encode(text).length).toBeLessThan(Array.from(text).length / 1.5);
    expect(tok.encodeToPieces("المنتخب المغربي")).toContain("▁المغرب");
  });

  it("adds BOS only when asked", () => {
    expect(tok.encode("salam", { addBos: true })[0]).toBe(ids.bos);
    expect(tok.encode("salam")[0]).not.toBe(ids.bos);
    expect(tok.encode("", { addBos: true })).toEqual([ids.bos]);
  });

  it("turns spaces into ▁ without a dummy prefix, keeping runs and edges", () => {
    expect(tok.encodeToPieces("   salam   ").slice(0, 2)).toEqual(["▁", "▁"]);
    expect(tok.encodeToPieces("salam")[0]).not.toMatch(/^▁/);
    expect(tok.encodeToPieces("a  b\t\tc\n\n d")).toEqual([
      "a",
      "▁",
      "▁b",
      "<0x09>",
      "<0x09>",
      "c",
      "\n",
      "\n",
      "▁d",
    ]);
  });

  it("falls back to UTF-8 byte pieces for emoji and unseen characters", () => {
    expect(tok.encodeToPieces("🇲🇦😀")).toEqual(
      ["F0", "9F", "87", "B2", "F0", "9F", "87", "A6", "F0", "9F", "98", "80"].map((h) => `<0x${h}>`),
    );
    for (const id of tok.encode("🇲🇦😀")) expect(vocab.types[id]).toBe(PIECE_TYPE.BYTE);
    expect(tok.encodeToPieces("€")).toEqual(["<0xE2>", "<0x82>", "<0xAC>"]);
  });

  it("always splits USER_DEFINED turn markers, CONTROL pieces only with parseSpecial", () => {
    const chat = TEST_STRING_CASES["chatTurn"]!;
    const plain = tok.encode(chat);
    expect(plain.filter((id) => id === ids.startOfTurn)).toHaveLength(2);
    expect(plain.filter((id) => id === ids.endOfTurn)).toHaveLength(1);
    expect(plain[0]).toBe(ids.startOfTurn);

    const bosEos = TEST_STRING_CASES["bosEos"]!;
    const literal = tok.encode(bosEos);
    expect(literal).not.toContain(ids.bos);
    expect(tok.decode(literal)).toBe(bosEos);
    const special = tok.encode(bosEos, { parseSpecial: true });
    expect(special[0]).toBe(ids.bos);
    expect(special.at(-1)).toBe(ids.eos);
    expect(tok.decode(special)).toBe("salam"); // control pieces decode to nothing
    expect(tok.encode("x<unk>", { parseSpecial: true }).at(-1)).toBe(ids.unk);

    // Half a marker is plain text.
    expect(tok.encode(TEST_STRING_CASES["specialLookalike"]!, { parseSpecial: true })).not.toContain(
      ids.startOfTurn,
    );
  });

  it("merges the highest-scoring pair first, leftmost on ties", () => {
    // A hand-made vocabulary: "ab" scores higher than "bc", so "abc" → ab + c; equal scores → leftmost.
    const mk = (pieces: [string, number][]): ReferenceTokenizer =>
      new ReferenceTokenizer({
        pieces: pieces.map(([p]) => p),
        scores: pieces.map(([, s]) => s),
        types: pieces.map(() => PIECE_TYPE.NORMAL),
      });
    const t1 = mk([
      ["a", -10],
      ["b", -10],
      ["c", -10],
      ["ab", -1],
      ["bc", -2],
    ]);
    expect(t1.encodeToPieces("abc")).toEqual(["ab", "c"]);
    const t2 = mk([
      ["a", -10],
      ["b", -10],
      ["c", -10],
      ["ab", -3],
      ["bc", -2],
    ]);
    expect(t2.encodeToPieces("abc")).toEqual(["a", "bc"]);
    const t3 = mk([
      ["a", -10],
      ["aa", -1],
    ]);
    expect(t3.encodeToPieces("aaa")).toEqual(["aa", "a"]);
    // No byte pieces and no <unk>: an unknown character cannot be encoded.
    expect(() => t3.encode("z")).toThrow(/no piece/);
  });
});
