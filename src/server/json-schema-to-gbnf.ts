/**
 * JSON Schema → GBNF, for llama.cpp's grammar sampler: Ollama's `format` and OpenAI's `response_format`
 * become a grammar whose every sentence parses as JSON and validates against the schema. Only keywords
 * the grammar can guarantee are accepted; anything else (pattern, numeric bounds, oneOf, …) is refused
 * with a 400 naming the keyword and where it is, rather than producing output that might not validate.
 *
 * Supported: type (one or a list), properties + required (declared order; absent optional properties
 * are left out, so additionalProperties of any value holds), items + minItems/maxItems, enum, const,
 * minLength/maxLength, anyOf, local $ref (#/$defs/…, #/definitions/…, recursion included), allOf with
 * one member, and annotations (title, description, default, examples, …). `{}` / `true` = any JSON.
 */
import { AtlasError } from "../core/index.js";

/** A JSON Schema (draft 2020-12 / 7 shapes). */
export type JsonSchema = boolean | { [keyword: string]: unknown };

/** Nodes a schema may have (CWE-770: a request must not make us build an unbounded grammar). */
export const MAX_SCHEMA_NODES = 2000;
/** Repetition bounds above this become unbounded (`*`): llama.cpp expands `{m,n}` into n copies. */
const MAX_EXPLICIT_REPEAT = 256;

const ANNOTATIONS = new Set([
  "$schema",
  "$id",
  "$comment",
  "$defs",
  "definitions",
  "title",
  "description",
  "default",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
  "additionalProperties",
  "strict",
]);
const KEYWORDS_BY_TYPE: Record<string, readonly string[]> = {
  object: ["properties", "required"],
  array: ["items", "minItems", "maxItems"],
  string: ["minLength", "maxLength"],
  number: [],
  integer: [],
  boolean: [],
  null: [],
};
const GENERAL = new Set(["type", "enum", "const", "anyOf", "allOf", "$ref"]);
const JSON_TYPES = Object.keys(KEYWORDS_BY_TYPE);

// Shared rules. Whitespace is bounded so a model cannot pad forever; numbers have bounded digits.
const BASE_RULES: Record<string, string> = {
  ws: '( " " | "\\n" [ ]{0,16} )?',
  char: '[^"\\\\\\x7F\\x00-\\x1F] | "\\\\" ( ["\\\\/bfnrt] | "u" [0-9a-fA-F]{4} )',
  string: '"\\"" char* "\\""',
  integer: '"-"? ( "0" | [1-9] [0-9]{0,15} )',
  number: 'integer ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,3} )?',
  boolean: '"true" | "false"',
  null: '"null"',
  value: "object | array | string | number | boolean | null",
  object: '"{" ws ( string ws ":" ws value ( ws "," ws string ws ":" ws value )* )? ws "}"',
  array: '"[" ws ( value ( ws "," ws value )* )? ws "]"',
};

/** A grammar for any JSON object (Ollama's `format: "json"`, OpenAI's `json_object`). */
export const JSON_OBJECT_GRAMMAR = grammarText({ root: "object" }, Object.keys(BASE_RULES));

/** A GBNF string literal for `text`. */
function literal(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

function grammarText(rules: Record<string, string>, base: readonly string[]): string {
  const lines = Object.entries(rules).map(([name, body]) => `${name} ::= ${body}`);
  for (const name of base) lines.push(`${name} ::= ${BASE_RULES[name]}`);
  return `${lines.join("\n")}\n`;
}

/** `{m,n}` of a rule, or `*`/`+` when the bounds are open or too large to expand. */
function repeat(item: string, min: number, max: number | undefined): string {
  if (max !== undefined && max <= MAX_EXPLICIT_REPEAT) return `${item}{${min},${max}}`;
  if (min === 0) return `${item}*`;
  if (min === 1) return `${item}+`;
  return min <= MAX_EXPLICIT_REPEAT ? `${item}{${min},}` : `${item}{${MAX_EXPLICIT_REPEAT},}`;
}

class GrammarBuilder {
  readonly rules: Record<string, string> = {};
  private readonly used = new Set<string>();
  private readonly refs = new Map<string, string>();
  private nodes = 0;

  constructor(
    private readonly root: JsonSchema,
    private readonly field: string,
  ) {}

  fail(path: string, message: string): never {
    throw new AtlasError("BAD_ARGUMENT", `${this.field}: ${message} (at ${path === "" ? "/" : path})`, {
      hint: "supported: type, properties, required, items, minItems, maxItems, enum, const, minLength, maxLength, anyOf, $ref to $defs; see docs/serve.md",
      details: { field: this.field },
    });
  }

  base(name: string): string {
    this.used.add(name);
    if (name === "number") this.used.add("integer");
    if (name === "string") this.used.add("char");
    if (["value", "object", "array"].includes(name))
      for (const n of Object.keys(BASE_RULES)) this.used.add(n);
    if (name !== "ws") this.used.add("ws");
    return name;
  }

  /** Adds a rule named after `hint` (made unique) and returns its name. */
  add(hint: string, body: string): string {
    const stem =
      hint
        .replace(/[^A-Za-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .toLowerCase() || "r";
    let name = /^[a-z]/.test(stem) ? stem : `r-${stem}`;
    for (let i = 2; name in this.rules || name in BASE_RULES || name === "root"; i++) name = `${stem}-${i}`;
    this.rules[name] = body;
    return name;
  }

  /** The grammar, `root` first, with only the rules `root` reaches. */
  text(root: string): string {
    const all: Record<string, string> = { root, ...this.rules };
    for (const name of this.used) all[name] = BASE_RULES[name]!;
    const reached = new Set<string>();
    const visit = (name: string): void => {
      if (reached.has(name) || all[name] === undefined) return;
      reached.add(name);
      // Rule names outside string literals and character classes.
      const bare = all[name].replace(/"(?:[^"\\]|\\.)*"|\[(?:[^\]\\]|\\.)*\]/g, " ");
      for (const ref of bare.match(/[a-z][a-z0-9-]*/g) ?? []) visit(ref);
    };
    visit("root");
    const rules = Object.fromEntries(Object.entries({ root, ...this.rules }).filter(([n]) => reached.has(n)));
    return grammarText(
      rules,
      Object.keys(BASE_RULES).filter((n) => reached.has(n)),
    );
  }

  /** The rule expression matching `schema`. */
  visit(schema: unknown, path: string, hint: string): string {
    if (++this.nodes > MAX_SCHEMA_NODES)
      this.fail(path, `the schema has more than ${MAX_SCHEMA_NODES} parts`);
    if (schema === true) return this.base("value");
    if (schema === false) this.fail(path, "the schema `false` matches nothing");
    if (typeof schema !== "object" || schema === null || Array.isArray(schema))
      this.fail(path, "a schema must be an object or a boolean");
    const s = schema as Record<string, unknown>;
    for (const key of Object.keys(s)) {
      if (ANNOTATIONS.has(key) || GENERAL.has(key)) continue;
      if (!JSON_TYPES.some((t) => KEYWORDS_BY_TYPE[t]!.includes(key)))
        this.fail(path, `the keyword '${key}' is not supported`);
    }
    if (s.$ref !== undefined) return this.ref(s, path);
    if (s.allOf !== undefined) {
      if (
        !Array.isArray(s.allOf) ||
        s.allOf.length !== 1 ||
        Object.keys(s).some((k) => !ANNOTATIONS.has(k) && k !== "allOf")
      )
        this.fail(path, "allOf is supported only with a single member");
      return this.visit(s.allOf[0], `${path}/allOf/0`, hint);
    }
    if (s.const !== undefined) return literal(JSON.stringify(s.const));
    if (s.enum !== undefined) {
      if (!Array.isArray(s.enum) || s.enum.length === 0) this.fail(path, "enum must be a non-empty list");
      return `( ${s.enum.map((v) => literal(JSON.stringify(v))).join(" | ")} )`;
    }
    if (s.anyOf !== undefined) {
      if (!Array.isArray(s.anyOf) || s.anyOf.length === 0) this.fail(path, "anyOf must be a non-empty list");
      const others = Object.keys(s).filter((k) => !ANNOTATIONS.has(k) && k !== "anyOf");
      if (others.length > 0) this.fail(path, `anyOf together with ${others.join(", ")} is not supported`);
      const options = s.anyOf.map((o, i) => this.visit(o, `${path}/anyOf/${i}`, `${hint}-${i}`));
      return `( ${options.join(" | ")} )`;
    }
    const types = this.types(s, path);
    const options = types.map((type) =>
      this.typed(type, s, path, types.length > 1 ? `${hint}-${type}` : hint),
    );
    return options.length === 1 ? options[0]! : `( ${options.join(" | ")} )`;
  }

  private types(s: Record<string, unknown>, path: string): string[] {
    const declared = s.type;
    let types: string[];
    if (declared === undefined) {
      const implied = JSON_TYPES.filter((t) => KEYWORDS_BY_TYPE[t]!.some((k) => k in s));
      types = implied.length === 0 ? ["any"] : implied;
    } else if (typeof declared === "string") types = [declared];
    else if (Array.isArray(declared) && declared.length > 0 && declared.every((t) => typeof t === "string"))
      types = declared;
    else this.fail(path, "type must be a type name or a list of them");
    for (const t of types) if (t !== "any" && !JSON_TYPES.includes(t)) this.fail(path, `unknown type '${t}'`);
    for (const key of Object.keys(s)) {
      const owner = JSON_TYPES.find((t) => KEYWORDS_BY_TYPE[t]!.includes(key));
      if (
        owner !== undefined &&
        declared !== undefined &&
        !types.includes(owner) &&
        !(owner === "number" && types.includes("integer"))
      )
        this.fail(path, `'${key}' does not apply to type ${types.join("/")}`);
    }
    return types;
  }

  private typed(type: string, s: Record<string, unknown>, path: string, hint: string): string {
    switch (type) {
      case "any":
        return this.base("value");
      case "object":
        return this.object(s, path, hint);
      case "array":
        return this.array(s, path, hint);
      case "string":
        return this.string(s, path, hint);
      default:
        return this.base(type);
    }
  }

  private count(s: Record<string, unknown>, key: string, path: string): number | undefined {
    const v = s[key];
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
      this.fail(path, `${key} must be a whole number ≥ 0`);
    return v;
  }

  private string(s: Record<string, unknown>, path: string, hint: string): string {
    const min = this.count(s, "minLength", path) ?? 0;
    const max = this.count(s, "maxLength", path);
    if (max !== undefined && max < min) this.fail(path, "maxLength is below minLength");
    if (min === 0 && max === undefined) return this.base("string");
    this.base("char");
    return this.add(hint, `"\\"" ${repeat("char", min, max)} "\\""`);
  }

  private array(s: Record<string, unknown>, path: string, hint: string): string {
    const item =
      s.items === undefined ? this.base("value") : this.visit(s.items, `${path}/items`, `${hint}-item`);
    const min = this.count(s, "minItems", path) ?? 0;
    const max = this.count(s, "maxItems", path);
    if (max !== undefined && max < min) this.fail(path, "maxItems is below minItems");
    this.base("ws");
    if (max === 0) return literal("[]");
    const itemRule = /^[a-z][a-z0-9-]*$/.test(item) ? item : this.add(`${hint}-item`, item);
    const more = this.add(`${hint}-more`, `ws "," ws ${itemRule}`);
    const rest = repeat(more, Math.max(0, min - 1), max === undefined ? undefined : max - 1);
    const list = `${itemRule} ${rest}`;
    return this.add(hint, min === 0 ? `"[" ws ( ${list} )? ws "]"` : `"[" ws ${list} ws "]"`);
  }

  private object(s: Record<string, unknown>, path: string, hint: string): string {
    const props = s.properties ?? {};
    if (typeof props !== "object" || props === null || Array.isArray(props))
      this.fail(path, "properties must be an object");
    const required = s.required ?? [];
    if (!Array.isArray(required) || !required.every((r) => typeof r === "string"))
      this.fail(path, "required must be a list of property names");
    const names = Object.keys(props);
    for (const r of required)
      if (!names.includes(r)) this.fail(path, `required property '${r}' is not in properties`);
    this.base("ws");
    if (names.length === 0) return this.add(hint, '"{" ws "}"');
    const members = names.map((name) => {
      const value = this.visit(
        (props as Record<string, unknown>)[name],
        `${path}/properties/${name}`,
        `${hint}-${name}`,
      );
      return {
        name,
        required: required.includes(name),
        rule: `${literal(JSON.stringify(name))} ws ":" ws ${value}`,
      };
    });
    // tails[i]: the members from i on, once one member was written (each optional one may be skipped).
    const tails: string[] = members.map(() => "");
    tails.push("");
    for (let i = members.length - 1; i >= 0; i--) {
      const m = members[i]!;
      const step = m.required ? `ws "," ws ${m.rule}` : `( ws "," ws ${m.rule} )?`;
      tails[i] = this.add(`${hint}-tail`, tails[i + 1] === "" ? step : `${step} ${tails[i + 1]}`);
    }
    // first: the members from i on when none was written yet ("" = none left).
    let first = "";
    for (let i = members.length - 1; i >= 0; i--) {
      const m = members[i]!;
      const withThis = tails[i + 1] === "" ? m.rule : `${m.rule} ${tails[i + 1]}`;
      if (m.required) first = withThis;
      else if (first === "") first = `( ${withThis} )?`;
      else first = `( ${withThis} | ${this.add(`${hint}-from`, first)} )`;
    }
    return this.add(hint, `"{" ws ${first} ws "}"`);
  }

  private ref(s: Record<string, unknown>, path: string): string {
    const ref = s.$ref;
    if (typeof ref !== "string") this.fail(path, "$ref must be text");
    const match = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
    if (match === null) this.fail(path, `only local references (#/$defs/name) are supported, got '${ref}'`);
    const known = this.refs.get(ref);
    if (known !== undefined) return known;
    const defs = (this.root as Record<string, unknown>)[match[1]!] as Record<string, unknown> | undefined;
    const target = defs?.[match[2]!];
    if (target === undefined) this.fail(path, `'${ref}' is not defined`);
    // Name the rule before visiting, so a recursive schema refers to itself.
    const name = this.add(`def-${match[2]}`, "");
    this.refs.set(ref, name);
    this.rules[name] = this.visit(target, `/${match[1]}/${match[2]}`, `def-${match[2]}`);
    return name;
  }
}

/**
 * A GBNF grammar (root rule `root`) matching exactly the JSON texts that validate against `schema`.
 * @param field the request field, for error messages (`format`, `response_format`)
 * @throws AtlasError BAD_ARGUMENT naming an unsupported keyword and where it is
 * @example jsonSchemaToGbnf({ type: "object", properties: { age: { type: "integer" } }, required: ["age"] })
 */
export function jsonSchemaToGbnf(schema: unknown, field = "format"): string {
  const builder = new GrammarBuilder(schema as JsonSchema, field);
  return builder.text(builder.visit(schema, "", "json"));
}
