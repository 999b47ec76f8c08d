import { describe, expect, it } from "vitest";
import { isAtlasError } from "../core/index.js";
import { JSON_OBJECT_GRAMMAR, MAX_SCHEMA_NODES, jsonSchemaToGbnf } from "./json-schema-to-gbnf.js";

describe("jsonSchemaToGbnf", () => {
  it("writes an object's members in order; optional ones may be skipped, commas only between members", () => {
    const grammar = jsonSchemaToGbnf({
      type: "object",
      properties: { a: { type: "integer" }, b: { enum: ["x", 1, null] } },
      required: ["a"],
    });
    expect(grammar.split("\n")[0]).toBe("root ::= json");
    expect(grammar).toContain('json ::= "{" ws "\\"a\\"" ws ":" ws integer json-tail ws "}"');
    expect(grammar).toContain(
      'json-tail ::= ( ws "," ws "\\"b\\"" ws ":" ws ( "\\"x\\"" | "1" | "null" ) )?',
    );
    // Only the rules the root reaches.
    expect(grammar).not.toMatch(/^object ::=/m);
    expect(grammar).toMatch(/^integer ::=/m);
  });

  it("bounds string lengths and array sizes with repetitions", () => {
    expect(jsonSchemaToGbnf({ type: "string", minLength: 2, maxLength: 4 })).toContain(
      '"\\"" char{2,4} "\\""',
    );
    const list = jsonSchemaToGbnf({ type: "array", items: { type: "boolean" }, minItems: 1, maxItems: 3 });
    expect(list).toContain('"[" ws boolean json-more{0,2} ws "]"');
    expect(jsonSchemaToGbnf({ type: "array", maxItems: 0 })).toContain('root ::= "[]"');
  });

  it("any JSON for {} and true; the json format is any object", () => {
    expect(jsonSchemaToGbnf({})).toMatch(/^root ::= value$/m);
    expect(jsonSchemaToGbnf(true)).toMatch(/^root ::= value$/m);
    expect(JSON_OBJECT_GRAMMAR).toMatch(/^root ::= object$/m);
  });

  it("escapes literals (quotes, backslashes, control characters, Arabic as is)", () => {
    expect(jsonSchemaToGbnf({ const: 'a"b\\c\n' })).toContain('root ::= "\\"a\\\\\\"b\\\\\\\\c\\\\n\\""');
    expect(jsonSchemaToGbnf({ enum: ["سلام"] })).toContain('"\\"سلام\\""');
  });

  it("refuses what it cannot guarantee, naming the keyword and its place", () => {
    const refuse = (schema: unknown, message: RegExp): void => {
      let thrown: unknown;
      try {
        jsonSchemaToGbnf(schema, "response_format");
      } catch (error) {
        thrown = error;
      }
      expect(isAtlasError(thrown, "BAD_ARGUMENT") && thrown.details.field).toBe("response_format");
      expect(String(thrown)).toMatch(message);
    };
    refuse(false, /matches nothing/);
    refuse({ type: "string", format: "email" }, /'format' is not supported/);
    refuse({ type: "array", prefixItems: [] }, /'prefixItems' is not supported/);
    refuse(
      { type: "object", properties: { a: { type: "string", maxLength: -1 } } },
      /maxLength must be a whole number ≥ 0 \(at \/properties\/a\)/,
    );
    refuse({ type: "integer", maxLength: 3 }, /'maxLength' does not apply to type integer/);
    refuse({ allOf: [{}, {}] }, /allOf is supported only with a single member/);
    refuse({ $ref: "#/$defs/missing" }, /is not defined/);
    refuse([1], /must be an object or a boolean/);
    const wide = {
      type: "object",
      properties: Object.fromEntries(Array.from({ length: MAX_SCHEMA_NODES + 1 }, (_, i) => [`p${i}`, {}])),
    };
    refuse(wide, new RegExp(`more than ${MAX_SCHEMA_NODES} parts`));
  });
});
