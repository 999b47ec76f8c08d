/**
 * Turns a dataset row into a conversation: the `messages` column (`[{role, content}]`, as the
 * Darija-SFT-Mixture and TRL's conversational format have it), ShareGPT's `conversations`
 * (`[{from, value}]`), or Alpaca's `instruction` / `input` / `output` (+ optional `system`).
 */
import type { ChatMessage } from "../../core/index.js";

/** The row shapes `atlas data build` understands. */
export type RowFormat = "messages" | "sharegpt" | "alpaca";

/** A conversation, or why the row was skipped (a short reason used as a stats key). */
export type RowConversation = { messages: ChatMessage[] } | { skip: string };

/** Columns that name where a row came from, tried in order when `--source-column` is not given. */
export const SOURCE_COLUMNS: readonly string[] = ["source", "dataset", "origin", "task", "subset"];

/** ShareGPT speaker names → roles. */
const SHAREGPT_ROLES: Readonly<Record<string, ChatMessage["role"]>> = {
  human: "user",
  user: "user",
  gpt: "assistant",
  assistant: "assistant",
  model: "assistant",
  system: "system",
};

/** The format a file's columns call for, or undefined when it has none of the known columns. */
export function detectRowFormat(columns: readonly string[]): RowFormat | undefined {
  if (columns.includes("messages")) return "messages";
  if (columns.includes("conversations")) return "sharegpt";
  if (columns.includes("instruction") && columns.includes("output")) return "alpaca";
  return undefined;
}

/** The columns a format reads (so parquet decodes only those). */
export function columnsFor(format: RowFormat): string[] {
  if (format === "messages") return ["messages"];
  if (format === "sharegpt") return ["conversations"];
  return ["instruction", "input", "output", "system"];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function fromList(
  value: unknown,
  roleKey: string,
  contentKey: string,
  roles?: typeof SHAREGPT_ROLES,
): RowConversation {
  if (!Array.isArray(value)) return { skip: "messages is not a list" };
  const messages: ChatMessage[] = [];
  for (const item of value as unknown[]) {
    if (item === null || typeof item !== "object") return { skip: "a message is not an object" };
    const record = item as Record<string, unknown>;
    const rawRole = text(record[roleKey]);
    const content = text(record[contentKey]);
    if (rawRole === undefined || content === undefined) return { skip: "a message lacks role or content" };
    const role = roles === undefined ? rawRole : roles[rawRole.toLowerCase()];
    if (role !== "system" && role !== "user" && role !== "assistant") return { skip: "unknown role" };
    messages.push({ role, content });
  }
  return { messages };
}

/**
 * The conversation in `row`. Alpaca rows become one user turn (the instruction, then a blank line and the
 * input when there is one) and one assistant turn (the output), after the system text if any.
 */
export function rowConversation(row: Record<string, unknown>, format: RowFormat): RowConversation {
  if (format === "messages") return fromList(row["messages"], "role", "content");
  if (format === "sharegpt") return fromList(row["conversations"], "from", "value", SHAREGPT_ROLES);
  const instruction = text(row["instruction"]);
  const output = text(row["output"]);
  if (instruction === undefined || output === undefined) return { skip: "instruction or output missing" };
  const input = text(row["input"]) ?? "";
  const system = text(row["system"]) ?? "";
  const user = input.trim() === "" ? instruction : `${instruction}\n\n${input}`;
  return {
    messages: [
      ...(system.trim() === "" ? [] : [{ role: "system" as const, content: system }]),
      { role: "user", content: user },
      { role: "assistant", content: output },
    ],
  };
}

/** The row's source name: the value of `column` when it is a non-empty string or number, else `fallback`. */
export function rowSource(
  row: Record<string, unknown>,
  column: string | undefined,
  fallback: string,
): string {
  if (column === undefined) return fallback;
  const value = row[column];
  if (typeof value === "string" && value.trim() !== "") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return fallback;
}
