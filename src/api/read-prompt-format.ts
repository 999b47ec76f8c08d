/**
 * The chat template and special-token texts of a GGUF, read from its metadata without loading the weights
 * (for `atlas run --print-prompt`, and for servers that only need to render prompts).
 */
import { ggufArray, ggufNumber, ggufString, readGguf } from "../convert/index.js";
import { GEMMA2_CHAT_TEMPLATE } from "../templates/index.js";

export interface PromptFormat {
  chatTemplate: string;
  bosText: string;
  eosText: string;
}

export async function readPromptFormat(path: string): Promise<PromptFormat> {
  const file = await readGguf(path);
  const tokens = ggufArray(file, "tokenizer.ggml.tokens") ?? [];
  const text = (key: string): string => {
    const id = ggufNumber(file, key);
    const token = id === undefined ? undefined : tokens[id];
    return typeof token === "string" ? token : "";
  };
  return {
    chatTemplate: ggufString(file, "tokenizer.chat_template") ?? GEMMA2_CHAT_TEMPLATE,
    bosText: text("tokenizer.ggml.bos_token_id"),
    eosText: text("tokenizer.ggml.eos_token_id"),
  };
}
