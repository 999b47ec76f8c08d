/** llama.cpp's `does_token_look_special`. */

/**
 * Texts llama.cpp treats as control tokens even when `added_tokens_decoder` does not mark them special
 * (`does_token_look_special`: Gemma's `<mask>`, `<2mass>`, `[@BOS@]`, `<unusedN>`, and `<|…|>` forms).
 */
export function looksSpecial(text: string): boolean {
  return (
    ["<pad>", "<mask>", "<2mass>", "[@BOS@]"].includes(text) ||
    (text.startsWith("<|") && text.endsWith("|>")) ||
    (text.startsWith("<｜") && text.endsWith("｜>")) ||
    (text.startsWith("<unused") && text.endsWith(">"))
  );
}
