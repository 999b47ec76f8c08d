/**
 * The checks `createModel` makes before it writes anything: the name (and whether a pulled model answers
 * to it), the TEMPLATE (Gemma's format), the parameters, the MESSAGE history, the license and REQUIRES.
 */
import { AtlasError, CHAT_ROLES, REQUEST_LIMITS, type ChatMessage } from "../../core/index.js";
import {
  GEMMA2_CHAT_TEMPLATE,
  checkGemmaOllamaTemplate,
  renderChatTemplate,
  renderOllamaChat,
} from "../../templates/index.js";
import { listModels } from "../list-models.js";
import type { StoreOptions } from "../manifest.js";
import { withChatDefaults } from "./chat-defaults.js";
import { formatModelName, hubRepoOfName, type ModelName } from "./model-name.js";

/** Longest SYSTEM, LICENSE text or MESSAGE accepted (the request contract's message limit). */
const MAX_TEXT = REQUEST_LIMITS.maxMessageChars;

/**
 * Refuses a name a pulled model answers to (`atlas-chat:2b`, `MBZUAI-Paris/Atlas-Chat-2B`) unless `force`.
 * @throws AtlasError BAD_ARGUMENT naming the pulled model and the way out
 */
export async function checkNameCollision(
  name: ModelName,
  text: string,
  force: boolean,
  options: StoreOptions,
): Promise<void> {
  if (force) return;
  const hub = hubRepoOfName(text);
  if (hub === undefined) return;
  const stored = (await listModels(options)).filter((m) => m.id.toLowerCase() === hub.repo.toLowerCase());
  const hit = hub.quant === undefined ? stored[0] : stored.find((m) => m.quant === hub.quant);
  if (hit === undefined) return;
  throw new AtlasError(
    "BAD_ARGUMENT",
    `'${formatModelName(name)}' is the name of a pulled model (${hit.id}, ${hit.quant})`,
    {
      hint: `choose another name, or pass --force to create it anyway: the created model then answers to that name, and the pulled one stays reachable as ${hit.id}:${hit.quant}`,
      details: { field: "model" },
    },
  );
}

/** Checks a TEMPLATE; returns a warning when it drops system text. */
export function checkTemplate(template: string): string | undefined {
  const check = checkGemmaOllamaTemplate(template);
  return check.system === "ignored"
    ? "the TEMPLATE never writes {{ .System }}: SYSTEM and system messages are dropped from prompts, as Ollama drops them (add {{ if .System }}{{ .System }} {{ end }} before {{ .Prompt }} to keep them)"
    : undefined;
}

function textError(field: string, message: string, hint?: string): AtlasError {
  return new AtlasError("BAD_ARGUMENT", message, {
    details: { field },
    ...(hint === undefined ? {} : { hint }),
  });
}

/** Checks a text field's type and size. */
export function checkText(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw textError(field, `${field} must be text`);
  if (value.length > MAX_TEXT)
    throw textError(field, `${field} has ${value.length} characters; at most ${MAX_TEXT}`);
  return value;
}

/** Checks the MESSAGE history: roles, texts, count. */
export function checkMessages(value: unknown): ChatMessage[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw textError("messages", "messages must be a list of {role, content}");
  if (value.length > REQUEST_LIMITS.maxMessages)
    throw textError("messages", `${value.length} messages; at most ${REQUEST_LIMITS.maxMessages}`);
  return value.map((item: unknown, i) => {
    const m = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
    const role = m["role"];
    if (typeof role !== "string" || !(CHAT_ROLES as readonly string[]).includes(role))
      throw textError(
        `messages[${i}].role`,
        `MESSAGE ${i + 1}: role must be one of system, user, assistant, got ${JSON.stringify(role) ?? "nothing"}`,
      );
    const content = checkText(m["content"], `messages[${i}].content`) ?? "";
    return { role: role as ChatMessage["role"], content };
  });
}

/** A license as Ollama takes it: one text or a list. */
export function checkLicense(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list)) throw textError("license", "license must be text or a list of texts");
  return list.map((l, i) => checkText(l, `license[${i}]`) ?? "").filter((l) => l !== "");
}

/**
 * REQUIRES: a semantic version (`0.14.0`, a leading `v` allowed), as Ollama checks it.
 * @throws AtlasError BAD_ARGUMENT `requires must be a valid semver (e.g. 0.14.0)` (Ollama's words)
 */
export function checkRequires(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const text = typeof value === "string" ? value.replace(/^v/, "") : "";
  if (!/^(0|[1-9]\d*)(\.(0|[1-9]\d*)){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(text))
    throw textError("requires", "requires must be a valid semver (e.g. 0.14.0)");
  return text;
}

/**
 * Checks that the chat template accepts the MESSAGE history followed by a user's message (Gemma's needs
 * user and assistant turns alternating, starting with the user's), so a bad history fails now, not at
 * every chat.
 * @throws AtlasError BAD_ARGUMENT (field `messages`) with the template's reason
 */
export function checkHistoryRenders(
  history: readonly ChatMessage[],
  system: string | undefined,
  template: { go: string } | { jinja: string | undefined },
): void {
  if (history.length === 0) return;
  const conversation = withChatDefaults([{ role: "user", content: "…" }], { system, messages: history });
  if ("go" in template) {
    renderOllamaChat(template.go, conversation);
    return;
  }
  try {
    renderChatTemplate(template.jinja ?? GEMMA2_CHAT_TEMPLATE, conversation, { bosToken: "", eosToken: "" });
  } catch (error) {
    throw new AtlasError(
      "BAD_ARGUMENT",
      `the MESSAGE history does not fit the model's chat template: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint: "give user and assistant messages in turn, starting with the user's and ending with the assistant's",
        details: { field: "messages" },
        cause: error,
      },
    );
  }
}
