import { describe, expect, it } from "vitest";
import { TokenTextStream } from "./token-text-stream.js";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("TokenTextStream", () => {
  it("holds a UTF-8 character split across byte-fallback tokens until it is complete", () => {
    const stream = new TokenTextStream();
    const [a, b] = [bytes("ش").slice(0, 1), bytes("ش").slice(1)];
    expect(stream.push(a)).toBe("");
    expect(stream.push(b)).toBe("ش");
    expect(stream.end()).toBe("");
  });

  it("drops an unfinished character at the end instead of printing U+FFFD", () => {
    const stream = new TokenTextStream();
    expect(stream.push(bytes("ok"))).toBe("ok");
    expect(stream.push(bytes("😀").slice(0, 2))).toBe("");
    expect(stream.end()).toBe("");
  });

  it("holds text that may start a stop string, releases it when it does not", () => {
    const stream = new TokenTextStream(["<end>"]);
    expect(stream.push(bytes("salam <e"))).toBe("salam ");
    expect(stream.push(bytes("x"))).toBe("<ex");
    expect(stream.hitStop).toBe(false);
  });

  it("cuts before the earliest stop string, across tokens, and emits nothing after it", () => {
    const stream = new TokenTextStream(["\n\n", "STOP"]);
    expect(stream.push(bytes("line one\n"))).toBe("line one");
    expect(stream.push(bytes("\nmore"))).toBe("");
    expect(stream.hitStop).toBe(true);
    expect(stream.push(bytes("ignored"))).toBe("");
    expect(stream.end()).toBe("");
  });

  it("flushes held text at the end when no stop string completed", () => {
    const stream = new TokenTextStream(["STOP"]);
    expect(stream.push(bytes("ab ST"))).toBe("ab ");
    expect(stream.end()).toBe("ST");
  });
});
