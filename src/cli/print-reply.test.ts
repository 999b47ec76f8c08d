import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { GenerationChunk, GenerationResult, GenerationStream } from "../engine/index.js";
import type { CliIO } from "./io.js";
import { printReply, stripTerminalControls } from "./print-reply.js";

const HOSTILE = ["\x1b]0;pwned\x07", "red\x1b[2J ok\x7f", "\ttab\r\nnext\u009b1m"];

function streamOf(texts: string[]): GenerationStream {
  const chunks: GenerationChunk[] = texts.map((text, i) => ({ text, token: i }));
  return {
    async *[Symbol.asyncIterator]() {
      for (const chunk of chunks) yield await Promise.resolve(chunk);
    },
    result: Promise.resolve({ text: texts.join("") } as GenerationResult),
  };
}

async function printed(tty: boolean): Promise<string> {
  const stdout = Object.assign(new PassThrough(), { isTTY: tty });
  let out = "";
  stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
  const io = { stdout, stderr: new PassThrough(), env: {} } as unknown as CliIO;
  await printReply(io, streamOf(HOSTILE), { bidi: false, verbose: false });
  return out;
}

describe("printReply", () => {
  it("drops ESC, BEL, DEL, CR and C1 controls on a terminal, keeping tabs and newlines", async () => {
    expect(await printed(true)).toBe("]0;pwnedred[2J ok\ttab\nnext1m\n");
  });

  it("writes the reply byte for byte when stdout is not a terminal", async () => {
    expect(await printed(false)).toBe(`${HOSTILE.join("")}\n`);
  });

  it("leaves clean text (Arabic, emoji) alone", () => {
    const text = "شنو كيتسمى المنتخب المغربي؟ 👋🏽\n\tok";
    expect(stripTerminalControls(text)).toBe(text);
  });
});
