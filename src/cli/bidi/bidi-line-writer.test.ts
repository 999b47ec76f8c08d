import { describe, expect, it } from "vitest";
import { BidiLineWriter } from "./bidi-line-writer.js";
import { visualLine } from "./visual-line.js";

/** A sink that records every write separately. */
function recorder(): { writes: string[]; write(chunk: string): void } {
  const writes: string[] = [];
  return { writes, write: (chunk) => void writes.push(chunk) };
}

const QUESTION = "شنو كيتسمى المنتخب المغربي؟";
const ANSWER = "المنتخب ربح 3-0 ف كأس إفريقيا 2025 👏🏽";

/** Whether `text` has no lone surrogate (a stream would write one as U+FFFD). */
const wellFormed = (text: string): boolean =>
  !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);

/** Splits `text` into chunks of `size` UTF-16 units: splits surrogate pairs wherever they fall. */
function chunks(text: string, size: number): string[] {
  const result: string[] = [];
  for (let i = 0; i < text.length; i += size) result.push(text.slice(i, i + size));
  return result;
}

describe("BidiLineWriter (enabled)", () => {
  it("writes nothing until a line is complete, then its visual form", () => {
    const out = recorder();
    const writer = new BidiLineWriter(out, true);
    writer.write("شنو كيتسمى ");
    writer.write("المنتخب المغربي؟");
    expect(out.writes).toEqual([]);
    writer.write("\n");
    expect(out.writes).toEqual([`${visualLine(QUESTION)}\n`]);
  });

  it("gives the same output however the text is chunked, surrogate pairs split included", () => {
    const text = `${QUESTION}\n${ANSWER}\nsalam 3lik\n\n   \n${ANSWER}`;
    const expected = text.split("\n").map(visualLine).join("\n");
    for (const size of [1, 2, 3, 5, 7, 64]) {
      const out = recorder();
      const writer = new BidiLineWriter(out, true);
      for (const chunk of chunks(text, size)) writer.write(chunk);
      writer.flush();
      expect(out.writes.join(""), `chunks of ${size}`).toBe(expected);
      // Every write is whole text: no write ends in half a surrogate pair.
      for (const write of out.writes) expect(wellFormed(write)).toBe(true);
    }
  });

  it("writes several complete lines of one chunk at once, and keeps the unfinished rest", () => {
    const out = recorder();
    const writer = new BidiLineWriter(out, true);
    writer.write(`${QUESTION}\nsalam\nلا`);
    expect(out.writes).toEqual([`${visualLine(QUESTION)}\nsalam\n`]);
    writer.flush();
    expect(out.writes[1]).toBe("\ufefb");
    writer.flush();
    expect(out.writes).toHaveLength(2);
  });

  it("passes empty and whitespace-only lines through", () => {
    const out = recorder();
    const writer = new BidiLineWriter(out, true);
    writer.write("\n  \n\t\n");
    expect(out.writes.join("")).toBe("\n  \n\t\n");
  });
});

describe("BidiLineWriter (disabled)", () => {
  it("passes text through unchanged, chunk for chunk", () => {
    const out = recorder();
    const writer = new BidiLineWriter(out, false);
    writer.write("شنو ");
    writer.write(`كيتسمى\n${ANSWER}`);
    expect(out.writes).toEqual(["شنو ", `كيتسمى\n${ANSWER}`]);
    writer.flush();
    expect(out.writes).toHaveLength(2);
  });

  it("is byte-identical to the input, and holds half a surrogate pair until the other half arrives", () => {
    const text = `${QUESTION}\n${ANSWER}\n😀𝐀\n`;
    for (const size of [1, 2, 3, 5]) {
      const out = recorder();
      const writer = new BidiLineWriter(out, false);
      for (const chunk of chunks(text, size)) writer.write(chunk);
      writer.flush();
      expect(Buffer.from(out.writes.join(""), "utf8").equals(Buffer.from(text, "utf8"))).toBe(true);
      for (const write of out.writes) expect(wellFormed(write)).toBe(true);
    }
  });

  it("flushes a dangling half surrogate as it is", () => {
    const out = recorder();
    const writer = new BidiLineWriter(out, false);
    writer.write("a\ud83d");
    expect(out.writes).toEqual(["a"]);
    writer.flush();
    expect(out.writes).toEqual(["a", "\ud83d"]);
  });
});
