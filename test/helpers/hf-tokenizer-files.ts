/**
 * The Hugging Face tokenizer files of a generated Gemma-2 model — `tokenizer_config.json`,
 * `special_tokens_map.json` and (optionally) `tokenizer.json` — shaped like the ones transformers writes
 * for gemma-2-*-it, but built from our generated vocabulary.
 */
import { PIECE_TYPE } from "./sentencepiece-model-writer.js";
import { SPECIAL_PIECES, type Gemma2Vocab } from "./gemma2-vocab.js";

/**
 * Gemma-2's chat template, verbatim as in gemma-2-*-it's tokenizer_config.json. The `\n` are
 * backslash-n escapes inside Jinja string literals (two characters in the template text).
 */
export const GEMMA2_CHAT_TEMPLATE = String.raw`{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}`;

/** The flags transformers writes for every added token. */
function addedTokenFlags(content: string): Record<string, unknown> {
  return { content, lstrip: false, normalized: false, rstrip: false, single_word: false };
}

/** The special pieces as [id, text], from the vocabulary (ids are not assumed). */
function specials(vocab: Gemma2Vocab): [number, string][] {
  return SPECIAL_PIECES.map(({ piece }) => [vocab.pieces.indexOf(piece), piece]);
}

/** `tokenizer_config.json`: BOS added, EOS not, special tokens, and the chat template. */
export function tokenizerConfigJson(
  vocab: Gemma2Vocab,
  chatTemplate: string,
  maxLength: number,
): Record<string, unknown> {
  const decoder: Record<string, unknown> = {};
  for (const [id, piece] of specials(vocab))
    decoder[String(id)] = { ...addedTokenFlags(piece), special: true };
  return {
    add_bos_token: true,
    add_eos_token: false,
    added_tokens_decoder: decoder,
    additional_special_tokens: ["<start_of_turn>", "<end_of_turn>"],
    bos_token: "<bos>",
    chat_template: chatTemplate,
    clean_up_tokenization_spaces: false,
    eos_token: "<eos>",
    model_max_length: maxLength,
    pad_token: "<pad>",
    padding_side: "left",
    sp_model_kwargs: {},
    spaces_between_special_tokens: false,
    tokenizer_class: "GemmaTokenizer",
    unk_token: "<unk>",
    use_default_system_prompt: false,
  };
}

/** `special_tokens_map.json`. */
export function specialTokensMapJson(): Record<string, unknown> {
  return {
    additional_special_tokens: ["<start_of_turn>", "<end_of_turn>"],
    bos_token: addedTokenFlags("<bos>"),
    eos_token: addedTokenFlags("<eos>"),
    pad_token: addedTokenFlags("<pad>"),
    unk_token: addedTokenFlags("<unk>"),
  };
}

/**
 * BPE merges equivalent to SentencePiece's score order: for every NORMAL piece of two or more characters,
 * each split into two NORMAL pieces, ordered by the merged piece's score (highest first), then by the ids
 * of the parts. Applying merges by rank then picks the same pair as SentencePiece's highest score.
 */
export function mergesFromScores(vocab: Gemma2Vocab): [string, string][] {
  const normalIds = new Map<string, number>();
  vocab.pieces.forEach((piece, id) => {
    if (vocab.types[id] === PIECE_TYPE.NORMAL && !normalIds.has(piece)) normalIds.set(piece, id);
  });
  const merges: { left: string; right: string; score: number; leftId: number; rightId: number }[] = [];
  for (const [piece, id] of normalIds) {
    const chars = Array.from(piece);
    for (let cut = 1; cut < chars.length; cut++) {
      const left = chars.slice(0, cut).join("");
      const right = chars.slice(cut).join("");
      const leftId = normalIds.get(left);
      const rightId = normalIds.get(right);
      if (leftId === undefined || rightId === undefined) continue;
      merges.push({ left, right, score: vocab.scores[id]!, leftId, rightId });
    }
  }
  merges.sort((a, b) => b.score - a.score || a.leftId - b.leftId || a.rightId - b.rightId);
  return merges.map((m) => [m.left, m.right]);
}

/**
 * `tokenizer.json` in the Hugging Face tokenizers format, equivalent to the SentencePiece model: BPE with
 * byte fallback, spaces replaced by `▁` (no dummy prefix), `<bos>` added by the post-processor.
 */
export function tokenizerJson(vocab: Gemma2Vocab): Record<string, unknown> {
  const vocabMap: Record<string, number> = {};
  vocab.pieces.forEach((piece, id) => {
    if (!(piece in vocabMap)) vocabMap[piece] = id;
  });
  const bos = vocab.specialIds.bos;
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: specials(vocab).map(([id, piece]) => ({
      id,
      content: piece,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: "Replace", pattern: { String: " " }, content: "\u2581" },
    pre_tokenizer: null,
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "<bos>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [
        { SpecialToken: { id: "<bos>", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "<bos>", type_id: 1 } },
        { Sequence: { id: "B", type_id: 1 } },
      ],
      special_tokens: { "<bos>": { id: "<bos>", ids: [bos], tokens: ["<bos>"] } },
    },
    decoder: {
      type: "Sequence",
      decoders: [
        { type: "Replace", pattern: { String: "\u2581" }, content: " " },
        { type: "ByteFallback" },
        { type: "Fuse" },
      ],
    },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: "<unk>",
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab: vocabMap,
      // "left right" strings (pieces never contain a space): the format every tokenizers version reads.
      merges: mergesFromScores(vocab).map(([left, right]) => `${left} ${right}`),
    },
  };
}
