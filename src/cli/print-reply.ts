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

/** Writes the reply as it comes; ends it with a newline. */
export async function printReply(
  io: CliIO,
  stream: GenerationStream,
  options: { bidi: boolean; verbose: boolean },
): Promise<GenerationResult> {
  const writer = new BidiLineWriter(io.stdout, options.bidi);
  for await (const chunk of stream) writer.write(chunk.text);
  const result = await stream.result;
  writer.write("\n");
  writer.flush();
  if (options.verbose) eprintln(io, formatStats(result.stats));
  return result;
}
