import { describe, expect, it } from "vitest";
import { detectRowFormat, rowConversation, rowSource } from "./row-conversation.js";

describe("rowConversation", () => {
  it("reads messages, ShareGPT and Alpaca rows", () => {
    expect(detectRowFormat(["messages", "source"])).toBe("messages");
    expect(detectRowFormat(["conversations"])).toBe("sharegpt");
    expect(detectRowFormat(["instruction", "input", "output"])).toBe("alpaca");
    expect(detectRowFormat(["text"])).toBeUndefined();
    expect(
      rowConversation(
        {
          messages: [
            { role: "user", content: "a" },
            { role: "assistant", content: "b" },
          ],
        },
        "messages",
      ),
    ).toEqual({
      messages: [
        { role: "user", content: "a" },
        { role: "assistant", content: "b" },
      ],
    });
    expect(
      rowConversation(
        {
          conversations: [
            { from: "human", value: "a" },
            { from: "gpt", value: "b" },
          ],
        },
        "sharegpt",
      ),
    ).toEqual({
      messages: [
        { role: "user", content: "a" },
        { role: "assistant", content: "b" },
      ],
    });
    expect(
      rowConversation({ instruction: "ترجم", input: "hello", output: "سلام", system: "s" }, "alpaca"),
    ).toEqual({
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: "ترجم\n\nhello" },
        { role: "assistant", content: "سلام" },
      ],
    });
    expect(rowConversation({ instruction: "i", input: "  ", output: "o" }, "alpaca")).toEqual({
      messages: [
        { role: "user", content: "i" },
        { role: "assistant", content: "o" },
      ],
    });
  });

  it("names what is wrong with a row", () => {
    expect(rowConversation({ messages: "x" }, "messages")).toEqual({ skip: "messages is not a list" });
    expect(rowConversation({ messages: [{ role: "tool", content: "x" }] }, "messages")).toEqual({
      skip: "unknown role",
    });
    expect(rowConversation({ messages: [{ role: "user" }] }, "messages")).toEqual({
      skip: "a message lacks role or content",
    });
    expect(rowConversation({ instruction: "i" }, "alpaca")).toEqual({
      skip: "instruction or output missing",
    });
  });

  it("takes the source from a column, else the fallback", () => {
    expect(rowSource({ source: "doda" }, "source", "f")).toBe("doda");
    expect(rowSource({ source: "" }, "source", "f")).toBe("f");
    expect(rowSource({ task: 3n }, "task", "f")).toBe("3");
    expect(rowSource({}, undefined, "f")).toBe("f");
  });
});
