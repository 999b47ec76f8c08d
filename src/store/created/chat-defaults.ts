/**
 * How a created model's SYSTEM and MESSAGE lines join a conversation, as Ollama's chat handler does:
 * the MESSAGE history goes before the request's messages; the model's SYSTEM applies only when the
 * request brings no system message of its own. Ollama's templates then gather every system message into
 * one (joined by a blank line); the request contract allows a single leading system message, so that
 * gathering is done here.
 */
import type { ChatMessage } from "../../core/index.js";

/** The defaults a created model adds to every chat. */
export interface ChatDefaults {
  system?: string | undefined;
  messages?: readonly ChatMessage[] | undefined;
}

/**
 * `messages` with the model's SYSTEM and MESSAGE history added: one leading system message (the request's,
 * else SYSTEM, followed by any MESSAGE system lines, joined by a blank line), then the MESSAGE turns, then
 * the request's turns.
 * @example withChatDefaults([{ role: "user", content: "salam" }], { system: "جاوب بالدارجة." })
 *   // [{ role: "system", content: "جاوب بالدارجة." }, { role: "user", content: "salam" }]
 */
export function withChatDefaults(messages: readonly ChatMessage[], defaults: ChatDefaults): ChatMessage[] {
  const history = defaults.messages ?? [];
  if (defaults.system === undefined && history.length === 0) return messages.map((m) => ({ ...m }));
  const requestSystem = messages[0]?.role === "system" ? messages[0] : undefined;
  const systems: string[] = [];
  if (requestSystem === undefined && defaults.system !== undefined && defaults.system !== "")
    systems.push(defaults.system);
  for (const m of history) if (m.role === "system") systems.push(m.content);
  for (const m of messages) if (m.role === "system") systems.push(m.content);
  const turns = [...history, ...messages].filter((m) => m.role !== "system").map((m) => ({ ...m }));
  return systems.length === 0 ? turns : [{ role: "system", content: systems.join("\n\n") }, ...turns];
}
