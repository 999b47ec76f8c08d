/**
 * Reads the list a Jinja `doc_to_choice` template renders: JSON (`["a", "b"]`, what @huggingface/jinja
 * prints) or a Python list literal of strings and numbers (`['a', "b'c", 3]`, what Python's Jinja prints
 * and lm-eval `ast.literal_eval`s).
 */
import { AtlasError } from "../../core/index.js";

const ESCAPES: Readonly<Record<string, string>> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "\\": "\\",
  "'": "'",
  '"': '"',
};

/** Parses a flat list literal; throws BAD_ARGUMENT with the text when it is not one. */
export function parseListLiteral(text: string, where: string): (string | number)[] {
  const trimmed = text.trim();
  try {
    const json: unknown = JSON.parse(trimmed);
    if (Array.isArray(json) && json.every((v) => typeof v === "string" || typeof v === "number")) return json;
  } catch {
    // Not JSON: try Python's literal syntax below.
  }
  const fail = (): never => {
    throw new AtlasError("BAD_ARGUMENT", `doc_to_choice did not render a list: ${trimmed.slice(0, 80)}`, {
      where,
    });
  };
  if (!trimmed.startsWith("[") || !trimmed.endsWith("]")) fail();
  const out: (string | number)[] = [];
  let i = 1;
  const skipSpace = (): void => {
    while (i < trimmed.length && /\s/.test(trimmed[i]!)) i++;
  };
  skipSpace();
  while (i < trimmed.length - 1) {
    const quote = trimmed[i];
    if (quote === "'" || quote === '"') {
      let value = "";
      i++;
      while (i < trimmed.length && trimmed[i] !== quote) {
        if (trimmed[i] === "\\" && i + 1 < trimmed.length) {
          value += ESCAPES[trimmed[i + 1]!] ?? `\\${trimmed[i + 1]!}`;
          i += 2;
        } else value += trimmed[i++];
      }
      if (trimmed[i] !== quote) fail();
      i++;
      out.push(value);
    } else {
      const match = /^-?\d+(\.\d+)?/.exec(trimmed.slice(i));
      if (match === null) fail();
      out.push(Number(match![0]));
      i += match![0].length;
    }
    skipSpace();
    if (trimmed[i] === ",") i++;
    else if (i !== trimmed.length - 1) fail();
    skipSpace();
  }
  return out;
}
