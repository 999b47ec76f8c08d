/** Streams a generation to stdout (through the bidi writer) and its numbers to stderr with --verbose. */
import type { GenerationResult, GenerationStats, GenerationStream } from "../engine/index.js";
import { BidiLineWriter } from "./bidi/index.js";
import { eprintln, type CliIO } from "./io.js";

/** One line of per-request numbers, for --verbose. */
export function formatStats(s: GenerationStats): string {
  const cached = s.cachedPromptTokens > 0 ? ` (${s.cachedPromptTokens} cached)` : "";
  return (
    `prompt ${s.promptTokens} tokens${cached}, ${s.promptTokensPerSecond.toFixed(1)} tok/s · ` +
    `reply ${s.generatedTokens} tokens, ${s.tokensPerSecond.toFixed(1)} tok/s · ` +
    `first token ${Math.round(s.timeToFirstTokenMs)} ms · total ${(s.totalMs / 1000).toFixed(2)} s · ${s.finishReason}`
  );
}

/** C0 controls other than tab and newline, DEL, and C1 controls: what a terminal acts on rather than shows. */
function isTerminalControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f);
}

/**
 * `text` without the control characters a terminal would act on (ESC sequences that move the cursor or
 * retitle the window, BEL, DEL…); tabs and newlines stay. Model output is untrusted text.
 */
export function stripTerminalControls(text: string): string {
  let out = "";
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (!isTerminalControl(text.charCodeAt(i))) continue;
    out += text.slice(start, i);
    start = i + 1;
  }
  return start === 0 ? text : out + text.slice(start);
}

/**
 * Writes the reply as it comes; ends it with a newline. On a terminal, control characters in the reply
 * are dropped; a pipe or file gets the text byte for byte (as `--json` does).
 */
export async function printReply(
  io: CliIO,
  stream: GenerationStream,
  options: { bidi: boolean; verbose: boolean },
): Promise<GenerationResult> {
  const writer = new BidiLineWriter(io.stdout, options.bidi);
  const terminal = io.stdout.isTTY === true;
  for await (const chunk of stream) writer.write(terminal ? stripTerminalControls(chunk.text) : chunk.text);
  const result = await stream.result;
  writer.write("\n");
  writer.flush();
  if (options.verbose) eprintln(io, formatStats(result.stats));
  return result;
}
