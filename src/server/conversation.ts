/**
 * Conversations as Ollama and OpenAI clients send them → the request contract's. Both APIs accept system
 * messages anywhere and repeated roles; Ollama's templating gathers every system message into one and
 * joins consecutive messages of the same role with a blank line. We do the same, so Gemma's strictly
 * alternating template accepts what those clients send, then check the result with the contract.
 */
import {
  AtlasError,
  CHAT_ROLES,
  REQUEST_LIMITS,
  validateMessages,
  type ChatMessage,
  type ChatRole,
} from "../core/index.js";
import { badField, checkKnownFields, typeName, type JsonObject } from "./json-body.js";

/** One message after the wire mapper read it (role not yet checked). */
export interface WireMessage {
  role: string;
  content: string;
}

/** System messages first (joined), then the rest with consecutive same-role messages joined. */
export function normalizeConversation(messages: readonly ChatMessage[]): ChatMessage[] {
  const system = messages.filter((m) => m.role === "system").map((m) => m.content);
  const out: ChatMessage[] = system.length === 0 ? [] : [{ role: "system", content: system.join("\n\n") }];
  for (const m of messages) {
    if (m.role === "system") continue;
    const last = out.at(-1);
    if (last !== undefined && last.role === m.role) last.content = `${last.content}\n\n${m.content}`;
    else out.push({ role: m.role, content: m.content });
  }
  return out;
}

/**
 * Checks roles and sizes of a wire conversation and normalizes it.
 * @param names the wire's name for `messages`, for messages
 * @throws AtlasError BAD_ARGUMENT naming the message and field
 */
export function conversationFrom(
  messages: readonly WireMessage[],
  names: { messages: string },
): ChatMessage[] {
  if (messages.length > REQUEST_LIMITS.maxMessages)
    throw new AtlasError(
      "BAD_ARGUMENT",
      `${names.messages} has ${messages.length} messages; at most ${REQUEST_LIMITS.maxMessages} are accepted`,
      { details: { field: "messages", limit: REQUEST_LIMITS.maxMessages, actual: messages.length } },
    );
  const typed = messages.map((m, i): ChatMessage => {
    if (!(CHAT_ROLES as readonly string[]).includes(m.role)) {
      const tool = m.role === "tool" || m.role === "function";
      throw new AtlasError(
        "BAD_ARGUMENT",
        `${names.messages}[${i}].role must be one of ${CHAT_ROLES.join(", ")}, got '${m.role.slice(0, 40)}'`,
        {
          ...(tool ? { hint: "Atlas-Chat has no tool calling" } : {}),
          details: { field: `messages[${i}].role` },
        },
      );
    }
    return { role: m.role as ChatRole, content: m.content };
  });
  const normal = normalizeConversation(typed);
  if (normal.length === 0) return [];
  return validateMessages(normal, { names: { messages: names.messages } });
}

/**
 * The common checks of one wire message: an object with known fields, no tool calls, a text role.
 * @param known the wire format's message fields
 */
export function wireMessageObject(
  item: unknown,
  index: number,
  known: readonly string[],
): JsonObject & { role: string } {
  const at = `messages[${index}]`;
  if (typeof item !== "object" || item === null || Array.isArray(item))
    throw badField(at, `${at} must be an object {role, content}, got ${typeName(item)}`);
  const m = item as JsonObject;
  checkKnownFields(m, known, "message");
  if (Array.isArray(m.tool_calls) && m.tool_calls.length > 0)
    throw badField(`${at}.tool_calls`, `${at}.tool_calls: Atlas-Chat has no tool calling`);
  if (typeof m.role !== "string")
    throw badField(`${at}.role`, `${at}.role must be text, got ${typeName(m.role)}`);
  return m as JsonObject & { role: string };
}
