/**
 * OpenAI chat messages (already checked by the wire schema) → the request contract's conversation:
 * `developer` is a system message, text parts are joined with "\n", parts Atlas-Chat cannot read
 * (images, audio, files) and tool calls are refused naming the part.
 */
import type { ChatMessage } from "../../core/index.js";
import type { ChatContentPartSchema, ChatRequestMessage } from "../../wire/index.js";
import type { z } from "zod";
import { conversationFrom, type WireMessage } from "../conversation.js";
import { badField } from "../json-body.js";

type ContentPart = z.output<typeof ChatContentPartSchema>;

const UNREADABLE = new Set(["image_url", "input_audio", "file", "input_image", "input_file"]);

function partText(part: ContentPart, at: string): string {
  if (
    (part.type === "text" || part.type === "input_text" || part.type === "output_text") &&
    typeof part.text === "string"
  )
    return part.text;
  if (part.type === "refusal" && typeof part.refusal === "string") return part.refusal;
  if (UNREADABLE.has(part.type))
    throw badField(
      at,
      `${at}: Atlas-Chat is a text-only model (${part.type} parts are not supported)`,
      "send text only",
    );
  throw badField(at, `${at} must be {"type": "text", "text": "…"}`);
}

/** A message's content as text. */
export function messageContent(content: ChatRequestMessage["content"], at: string): string {
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;
  return content.map((part, j) => partText(part, `${at}.content[${j}]`)).join("\n");
}

/** The wire messages' roles and texts (roles not yet checked). */
export function wireMessagesOf(messages: readonly ChatRequestMessage[]): WireMessage[] {
  return messages.map((m, i) => {
    const at = `messages[${i}]`;
    if (m.tool_calls !== undefined && m.tool_calls !== null && m.tool_calls.length > 0)
      throw badField(`${at}.tool_calls`, `${at}.tool_calls: Atlas-Chat has no tool calling`);
    return { role: m.role === "developer" ? "system" : m.role, content: messageContent(m.content, at) };
  });
}

/**
 * OpenAI chat messages → the contract's conversation (system messages gathered, repeated roles joined).
 * @throws AtlasError BAD_ARGUMENT naming the message and field
 */
export function conversationOf(messages: readonly ChatRequestMessage[]): ChatMessage[] {
  return conversationFrom(wireMessagesOf(messages), { messages: "messages" });
}
