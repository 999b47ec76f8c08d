/** Reading a dataset row's columns with errors that name the column and the dataset. */
import { AtlasError } from "../../core/index.js";
import type { DatasetRow } from "../data/dataset-ref.js";

function bad(column: string, what: string, value: unknown): AtlasError {
  return new AtlasError(
    "INVALID_MODEL",
    `dataset column '${column}' must be ${what}, got ${value === undefined ? "nothing" : JSON.stringify(value).slice(0, 60)}`,
    { hint: "check that the data has the hub dataset's own columns" },
  );
}

/** A text column. */
export function textField(row: DatasetRow, column: string): string {
  const value = row[column];
  if (typeof value !== "string") throw bad(column, "text", value);
  return value;
}

/** A text column that may be missing or null (→ ""). */
export function optionalText(row: DatasetRow, column: string): string {
  const value = row[column];
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") throw bad(column, "text", value);
  return value;
}

/** An integer column (digit strings accepted, as lm-eval converts them). */
export function intField(row: DatasetRow, column: string): number {
  const value = row[column];
  const n = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n)) throw bad(column, "a whole number", value);
  return n;
}

/** A list-of-text column. */
export function textList(row: DatasetRow, column: string): string[] {
  const value = row[column];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
    throw bad(column, "a list of texts", value);
  return value;
}

/** The `content` of message `index` of a `messages` column (DarijaBench's layout). */
export function messageContent(row: DatasetRow, index: number): string {
  const messages = row["messages"];
  const message: unknown = Array.isArray(messages) ? messages[index] : undefined;
  if (
    message === null ||
    typeof message !== "object" ||
    typeof (message as { content?: unknown }).content !== "string"
  )
    throw bad(`messages[${index}].content`, "text", message);
  return (message as { content: string }).content;
}

/** The first of `columns` the row has as text; else `messages[fallbackIndex]`'s content. */
export function firstTextOf(row: DatasetRow, columns: readonly string[], fallbackIndex: number): string {
  for (const column of columns) if (typeof row[column] === "string") return row[column];
  if (Array.isArray(row["messages"])) return messageContent(row, fallbackIndex);
  throw new AtlasError(
    "INVALID_MODEL",
    `the row has none of the columns ${columns.join(", ")} nor 'messages'`,
    {
      hint: "check that the data has the hub dataset's own columns",
    },
  );
}

/** Capital letters for choices: A, B, C, … */
export function choiceLetters(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String.fromCharCode(65 + i));
}
