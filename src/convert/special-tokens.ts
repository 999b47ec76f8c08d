/**
 * Special token ids, add-BOS/EOS flags and chat template, following gguf-py's `SpecialVocab`: token texts
 * from `tokenizer_config.json` are resolved to ids, then `config.json`'s integer `*_token_id` fill what is
 * still unset. No id is hard-coded.
 *
 * Where we go beyond gguf-py (which looks texts up only in `tokenizer.json`'s `added_tokens`): a text is
 * also looked up in `added_tokens_decoder` and then in the vocabulary itself, and as a last resort the
 * SentencePiece trainer ids are used, so a folder without `tokenizer.json` still gets correct ids.
 */
import { isRecord } from "./file-io.js";
import type { SentencePieceTrainerSpec } from "./sentencepiece-model.js";

/** Special token roles that have a GGUF key, in the order gguf-py writes them. */
export const SPECIAL_ROLES = ["bos", "eos", "unk", "sep", "pad", "mask"] as const;

/** A special token role. */
export type SpecialRole = (typeof SPECIAL_ROLES)[number];

/** GGUF key of each role's id (`seperator` is llama.cpp's spelling). */
export const SPECIAL_ID_KEYS: Readonly<Record<SpecialRole, string>> = {
  bos: "tokenizer.ggml.bos_token_id",
  eos: "tokenizer.ggml.eos_token_id",
  unk: "tokenizer.ggml.unknown_token_id",
  sep: "tokenizer.ggml.seperator_token_id",
  pad: "tokenizer.ggml.padding_token_id",
  mask: "tokenizer.ggml.mask_token_id",
};

/** A named chat template (from a list-valued `chat_template`). */
export interface NamedChatTemplate {
  name: string;
  template: string;
}

/** Resolved special tokens. Arrays keep gguf-py's write order. */
export interface SpecialTokens {
  ids: Array<{ role: SpecialRole; id: number }>;
  /** `add_bos_token` / `add_eos_token` / `add_sep_token` flags. */
  add: Array<{ role: "bos" | "eos" | "sep"; value: boolean }>;
  /** Id of `<end_of_turn>` when the vocabulary has it. */
  eot: number | undefined;
  chatTemplate: string | undefined;
  /** Extra named templates (`tokenizer.chat_template.<name>`). */
  namedTemplates: NamedChatTemplate[];
}

/** Inputs of {@link resolveSpecialTokens}; every file is optional. */
export interface SpecialTokenSources {
  tokens: readonly string[];
  tokenizerJson: Record<string, unknown> | undefined;
  tokenizerConfig: Record<string, unknown> | undefined;
  config: Record<string, unknown>;
  trainer: SentencePieceTrainerSpec;
  /** Content of `chat_template.jinja`, or `chat_template` of `chat_template.json`. */
  chatTemplateFile: unknown;
  warnings: string[];
}

function tokenText(entry: unknown): string | undefined {
  if (typeof entry === "string") return entry;
  if (isRecord(entry) && typeof entry["content"] === "string") return entry["content"];
  return undefined;
}

/** Resolves special ids, flags and templates as described in the module comment. */
export function resolveSpecialTokens(src: SpecialTokenSources): SpecialTokens {
  const n = src.tokens.length;
  const ids = new Map<SpecialRole, number>();
  const add = new Map<"bos" | "eos" | "sep", boolean>();
  const set = (role: SpecialRole, id: unknown): void => {
    if (typeof id !== "number" || !Number.isInteger(id) || ids.has(role)) return;
    if (id < 0 || id >= n) {
      src.warnings.push(`special token ${role} id ${id} is out of range (vocabulary size ${n}): skipped`);
      return;
    }
    ids.set(role, id);
  };
  const config = src.tokenizerConfig;
  const texts = new Map<SpecialRole, string>();
  for (const role of SPECIAL_ROLES) {
    const text = tokenText(config?.[`${role}_token`]);
    if (text !== undefined) texts.set(role, text);
  }
  if (src.tokenizerJson !== undefined) readPostProcessor(src.tokenizerJson, texts, add);
  if (config !== undefined) {
    const addedJson = src.tokenizerJson?.["added_tokens"];
    const added = Array.isArray(addedJson) ? addedJson.filter(isRecord) : [];
    const decoder = isRecord(config["added_tokens_decoder"]) ? config["added_tokens_decoder"] : {};
    for (const role of SPECIAL_ROLES) {
      const flag = config[`add_${role}_token`];
      if (typeof flag === "boolean" && (role === "bos" || role === "eos" || role === "sep"))
        add.set(role, flag);
      const text = texts.get(role);
      if (text === undefined) continue;
      let id: unknown = added.find((t) => t["content"] === text)?.["id"];
      if (id === undefined) {
        const match = Object.entries(decoder).find(([, v]) => isRecord(v) && v["content"] === text);
        if (match !== undefined && /^\d+$/.test(match[0])) id = Number(match[0]);
      }
      if (id === undefined) {
        const index = src.tokens.indexOf(text);
        if (index >= 0) id = index;
      }
      set(role, id);
    }
  }
  for (const role of SPECIAL_ROLES) set(role, src.config[`${role}_token_id`]);
  const trainerIds: Partial<Record<SpecialRole, number | undefined>> = {
    bos: src.trainer.bosId,
    eos: src.trainer.eosId,
    unk: src.trainer.unkId,
    pad: src.trainer.padId,
  };
  for (const role of SPECIAL_ROLES) {
    const id = trainerIds[role];
    if (id !== undefined && id >= 0 && !ids.has(role)) set(role, id);
  }
  const eot = src.tokens.indexOf("<end_of_turn>");
  const templates = chatTemplates(config?.["chat_template"] ?? src.chatTemplateFile, src.warnings);
  return {
    ids: SPECIAL_ROLES.filter((r) => ids.has(r)).map((role) => ({ role, id: ids.get(role)! })),
    add: [...add].map(([role, value]) => ({ role, value })),
    eot: eot >= 0 ? eot : undefined,
    ...templates,
  };
}

/**
 * gguf-py's crude reading of a `TemplateProcessing` post-processor: a leading special token that is the
 * BOS means add_bos, a trailing one that is the EOS means add_eos (tokenizer_config's flags override both).
 */
function readPostProcessor(
  tokenizerJson: Record<string, unknown>,
  texts: Map<SpecialRole, string>,
  add: Map<"bos" | "eos" | "sep", boolean>,
): void {
  const post = tokenizerJson["post_processor"];
  if (!isRecord(post)) return;
  const processors = Array.isArray(post["processors"]) ? post["processors"] : [post];
  for (const processor of processors) {
    if (!isRecord(processor) || processor["type"] !== "TemplateProcessing") continue;
    const single = Array.isArray(processor["single"]) ? processor["single"] : [];
    if (single.length <= 1) continue;
    const specialId = (item: unknown): string | undefined => {
      const special = isRecord(item) ? item["SpecialToken"] : undefined;
      return isRecord(special) && typeof special["id"] === "string" ? special["id"] : undefined;
    };
    const first = specialId(single[0]);
    if (first !== undefined) {
      if (!texts.has("bos")) texts.set("bos", first);
      add.set("bos", first === texts.get("bos"));
    }
    const last = specialId(single[single.length - 1]);
    if (last !== undefined) {
      if (!texts.has("eos")) texts.set("eos", last);
      add.set("eos", last === texts.get("eos"));
    }
  }
}

/** A string template, or a list of `{name, template}` where `default` is the main one. */
function chatTemplates(
  value: unknown,
  warnings: string[],
): { chatTemplate: string | undefined; namedTemplates: NamedChatTemplate[] } {
  if (value === undefined || value === null) return { chatTemplate: undefined, namedTemplates: [] };
  if (typeof value === "string") return { chatTemplate: value, namedTemplates: [] };
  if (!Array.isArray(value)) {
    warnings.push("chat_template is neither a string nor a list: ignored");
    return { chatTemplate: undefined, namedTemplates: [] };
  }
  let chatTemplate: string | undefined;
  const named: NamedChatTemplate[] = [];
  for (const choice of value) {
    if (!isRecord(choice) || typeof choice["template"] !== "string") continue;
    const name = (typeof choice["name"] === "string" ? choice["name"] : "").replace(/[^A-Za-z0-9]/g, "_");
    if (name === "default") chatTemplate = choice["template"];
    else if (name !== "" && !named.some((t) => t.name === name))
      named.push({ name, template: choice["template"] });
  }
  return { chatTemplate, namedTemplates: named };
}
