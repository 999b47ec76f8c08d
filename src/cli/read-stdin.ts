/** Reads all of stdin as UTF-8 (for prompts piped into a command). */
import { AtlasError } from "../core/index.js";
import type { CliIO } from "./io.js";

const MAX_STDIN_BYTES = 16 * 1024 * 1024; // far beyond any context window; stops runaway pipes

export async function readStdin(io: CliIO): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of io.stdin) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : (chunk as Buffer);
    total += buffer.length;
    if (total > MAX_STDIN_BYTES)
      throw new AtlasError("BAD_ARGUMENT", `stdin is larger than ${MAX_STDIN_BYTES} bytes`, {
        hint: "pass a shorter text",
      });
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
