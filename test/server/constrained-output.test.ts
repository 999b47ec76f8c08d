/**
 * JSON Schema → GBNF with llama.cpp's own grammar sampler on the tiny model (random weights: the grammar
 * alone makes the output valid): every output parses and validates with ajv; Ollama's `format` (a schema
 * or "json") goes through the same path; unsupported keywords are refused with a 400 naming them.
 */
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModel, type AtlasModel } from "../../src/api/index.js";
import { createApp, jsonSchemaToGbnf, type AtlasApp } from "../../src/server/index.js";
import { post, scratchHome, tinyGguf } from "./fixtures.js";

let model: AtlasModel;
let app: AtlasApp;

beforeAll(async () => {
  const path = await tinyGguf();
  model = await loadModel(path, {
    gpu: "cpu",
    contextSize: 1024,
    sequences: 4,
    env: { ATLAS_HOME: await scratchHome() },
  });
  app = createApp({
    models: [{ name: "tiny", path }],
    env: { ATLAS_HOME: await scratchHome() },
    loadOptions: { gpu: "cpu", contextSize: 1024, sequences: 2 },
  });
});
afterAll(async () => {
  await model?.dispose();
  await app?.atlas.shutdown(0);
});

const SCHEMAS: Record<string, object> = {
  "required and optional properties": {
    type: "object",
    properties: {
      a: { type: "integer" },
      b: { type: "boolean" },
      c: { type: "null" },
      d: { type: "number" },
    },
    required: ["b"],
  },
  "all optional": { type: "object", properties: { x: { const: 1 }, y: { enum: ["a", "b"] } } },
  "nested objects and arrays": {
    type: "object",
    properties: {
      user: {
        type: "object",
        properties: { name: { type: "string", minLength: 1, maxLength: 8 }, age: { type: "integer" } },
        required: ["name", "age"],
      },
      tags: { type: "array", items: { enum: ["x", "y", "z"] }, minItems: 1, maxItems: 3 },
    },
    required: ["user", "tags"],
    additionalProperties: false,
  },
  "a list of types and anyOf": {
    type: "object",
    properties: {
      v: { type: ["string", "integer"], maxLength: 5 },
      w: { anyOf: [{ type: "boolean" }, { enum: [1, 2] }] },
    },
    required: ["v", "w"],
  },
  "$defs references": {
    $defs: {
      point: {
        type: "object",
        properties: { x: { type: "integer" }, y: { type: "integer" } },
        required: ["x", "y"],
      },
    },
    type: "object",
    properties: { from: { $ref: "#/$defs/point" }, to: { $ref: "#/$defs/point" } },
    required: ["from", "to"],
  },
  "a bare array": { type: "array", items: { type: "boolean" }, maxItems: 4 },
};

describe("JSON Schema → GBNF on llama.cpp's grammar sampler", () => {
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    it(`${name}: outputs parse and validate`, async () => {
      const grammar = jsonSchemaToGbnf(schema);
      const validate = new Ajv().compile(schema);
      for (const seed of [1, 2, 3, 4]) {
        const { text, stats } = await model.generate("salam", {
          grammar,
          seed,
          temperature: 1,
          maxTokens: 600,
        }).result;
        expect(stats.finishReason, text).toBe("stop");
        const value: unknown = JSON.parse(text);
        expect(validate(value), `${text} ${JSON.stringify(validate.errors)}`).toBe(true);
      }
    });
  }

  it("a recursive schema compiles for llama.cpp", async () => {
    const grammar = jsonSchemaToGbnf({
      $defs: {
        node: {
          type: "object",
          properties: {
            v: { type: "integer" },
            next: { anyOf: [{ $ref: "#/$defs/node" }, { type: "null" }] },
          },
          required: ["v", "next"],
        },
      },
      $ref: "#/$defs/node",
    });
    const { text } = await model.generate("x", { grammar, maxTokens: 5, seed: 1 }).result;
    expect(text.startsWith("{")).toBe(true);
  });
});

describe("Ollama format", () => {
  it('a JSON schema and "json" constrain /api/generate', async () => {
    const schema = {
      type: "object",
      properties: { age: { type: "integer" }, available: { type: "boolean" } },
      required: ["age", "available"],
    };
    const res = await post(app, "/api/generate", {
      model: "tiny",
      prompt: "3tini JSON",
      format: schema,
      stream: false,
      options: { seed: 5, num_predict: 400 },
    });
    const body = (await res.json()) as { response: string; done_reason: string };
    expect(body.done_reason).toBe("stop");
    expect(new Ajv().compile(schema)(JSON.parse(body.response))).toBe(true);
    const any = await post(app, "/api/chat", {
      model: "tiny",
      messages: [{ role: "user", content: "JSON" }],
      format: "json",
      stream: false,
      options: { seed: 1, temperature: 0.5, num_predict: 600 },
    });
    const reply = (await any.json()) as { message: { content: string }; done_reason: string };
    if (reply.done_reason === "stop") expect(typeof JSON.parse(reply.message.content)).toBe("object");
    else expect(reply.message.content.startsWith("{")).toBe(true);
  });

  it("refuses schema keywords it cannot guarantee, naming them and where", async () => {
    const cases: [object, RegExp][] = [
      [{ type: "string", pattern: "^a+$" }, /keyword 'pattern' is not supported \(at \/\)/],
      [
        { type: "object", properties: { n: { type: "integer", minimum: 0 } } },
        /'minimum' is not supported \(at \/properties\/n\)/,
      ],
      [{ oneOf: [{ type: "string" }, { type: "integer" }] }, /'oneOf' is not supported/],
      [{ type: "object", properties: {}, required: ["x"] }, /required property 'x' is not in properties/],
      [{ $ref: "https://example.org/schema.json" }, /only local references/],
      [{ type: "date" }, /unknown type 'date'/],
    ];
    for (const [schema, message] of cases) {
      const res = await post(app, "/api/chat", {
        model: "tiny",
        messages: [{ role: "user", content: "x" }],
        format: schema,
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
      const openai = await post(app, "/v1/chat/completions", {
        model: "tiny",
        messages: [{ role: "user", content: "x" }],
        response_format: { type: "json_schema", json_schema: { name: "s", schema } },
      });
      expect(openai.status).toBe(400);
      expect(((await openai.json()) as { error: { param: string } }).error.param).toBe("response_format");
    }
  });
});
