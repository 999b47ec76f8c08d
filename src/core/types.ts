/** Domain types shared by every layer. No behaviour here. */

/** A chat role as users and the OpenAI/Ollama APIs spell it. Gemma calls the assistant "model". */
export type ChatRole = "system" | "user" | "assistant";

/** One message of a conversation. */
export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** Token counts of one request. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}
