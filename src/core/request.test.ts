import { describe, expect, it } from "vitest";
import { isAtlasError, type AtlasError } from "./errors.js";
import {
  REQUEST_LIMITS,
  parseGenerateOption,
  validateGenerateOptions,
  validateMessages,
  validateScoreRequest,
} from "./request.js";

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(isAtlasError(error, "BAD_ARGUMENT"), String(error)).toBe(true);
    return (error as AtlasError).details.field;
  }
  return undefined;
}

describe("the request contract", () => {
  it("accepts valid options unchanged and drops undefined fields", () => {
    const signal = new AbortController().signal;
    expect(
      validateGenerateOptions({
        temperature: 0,
        maxTokens: 0,
        stop: ["\n"],
        logitBias: { 7: -100 },
        seed: 0,
        signal,
        topP: undefined,
      }),
    ).toEqual({ temperature: 0, maxTokens: 0, stop: ["\n"], logitBias: { 7: -100 }, seed: 0, signal });
  });

  it("names the field of every violation, in the caller's names when given", () => {
    expect(fieldOf(() => validateGenerateOptions({ maxTokens: -1 }))).toBe("maxTokens");
    expect(fieldOf(() => validateGenerateOptions({ topP: "0.5" }))).toBe("topP");
    expect(fieldOf(() => validateGenerateOptions({ maxTokenz: 5 }))).toBe("maxTokenz");
    expect(() =>
      validateGenerateOptions({ maxTokens: 1.5 }, { names: { maxTokens: "num_predict" } }),
    ).toThrow(/^num_predict must be a whole number from 0/);
    expect(() => validateGenerateOptions({ max_tokens: 5 })).toThrow(/did you mean 'maxTokens'/);
    expect(() => validateGenerateOptions([1])).toThrow(/must be an object/);
  });

  it("parses text values once, with the same ranges", () => {
    expect(parseGenerateOption("temperature", "0.7")).toBe(0.7);
    expect(parseGenerateOption("seed", "4294967295")).toBe(4294967295);
    expect(parseGenerateOption("cachePrompt", "off")).toBe(false);
    expect(() => parseGenerateOption("seed", "4294967296", { names: { seed: "--seed" } })).toThrow(
      /--seed must be a whole number from 0 to 4294967295, got '4294967296'/,
    );
    expect(() => parseGenerateOption("topK", "")).toThrow(/topK must be/);
  });

  it("checks conversations: shape, roles, system only first, limits", () => {
    expect(
      validateMessages([
        { role: "system", content: "s" },
        { role: "user", content: "u" },
      ]),
    ).toEqual([
      { role: "system", content: "s" },
      { role: "user", content: "u" },
    ]);
    expect(fieldOf(() => validateMessages([]))).toBe("messages");
    expect(fieldOf(() => validateMessages("hi"))).toBe("messages");
    expect(
      fieldOf(() =>
        validateMessages([
          { role: "user", content: "a" },
          { role: "bot", content: "b" },
        ]),
      ),
    ).toBe("messages[1].role");
    expect(fieldOf(() => validateMessages([{ role: "user", content: null }]))).toBe("messages[0].content");
    expect(fieldOf(() => validateMessages([{ role: "user", content: "a", images: [] }]))).toBe(
      "messages[0].images",
    );
    expect(
      fieldOf(() =>
        validateMessages([
          { role: "user", content: "a" },
          { role: "system", content: "s" },
        ]),
      ),
    ).toBe("messages[1].role");
    expect(
      fieldOf(() => validateMessages([{ role: "assistant", content: "a" }], { lastFromUser: true })),
    ).toBe("messages[0].role");
    const many = Array.from({ length: REQUEST_LIMITS.maxMessages + 1 }, () => ({
      role: "user",
      content: "a",
    }));
    try {
      validateMessages(many);
      expect.unreachable();
    } catch (error) {
      expect((error as AtlasError).details).toMatchObject({
        field: "messages",
        limit: REQUEST_LIMITS.maxMessages,
      });
    }
  });

  it("checks scoring requests against the vocabulary", () => {
    expect(validateScoreRequest([1, 2], [[3], [4, 5]], 10)).toEqual({
      context: [1, 2],
      continuations: [[3], [4, 5]],
    });
    expect(fieldOf(() => validateScoreRequest([], [[1]], 10))).toBe("context");
    expect(fieldOf(() => validateScoreRequest([1], [[1], []], 10))).toBe("continuations[1]");
    expect(fieldOf(() => validateScoreRequest([1], [[10]], 10))).toBe("continuations[0][0]");
    expect(fieldOf(() => validateScoreRequest([1], "x", 10))).toBe("continuations");
  });
});
