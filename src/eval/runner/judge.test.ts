import { describe, expect, it } from "vitest";
import { DARIJA_ALPACAEVAL_TASK } from "../tasks/darija-alpacaeval.js";
import { judgeRequests, parseVerdict } from "./judge.js";

describe("judge", () => {
  it("reads the first standalone A or B", () => {
    expect(parseVerdict("A")).toBe("A");
    expect(parseVerdict(" B.")).toBe("B");
    expect(parseVerdict("الجواب: B")).toBe("B");
    expect(parseVerdict("Both are fine")).toBeUndefined();
    expect(parseVerdict("")).toBeUndefined();
  });

  it("asks twice with the positions swapped, greedily", () => {
    const row = { instruction: "شنو هو الكسكس؟", output: "ماكلة" };
    const [first, second] = judgeRequests(DARIJA_ALPACAEVAL_TASK.judge!, row, "طعام مغربي");
    const text = (r: typeof first): string => (r.prompt.kind === "chat" ? r.prompt.messages[0]!.content : "");
    expect(text(first)).toContain("الجواب A:\nطعام مغربي\n\nالجواب B:\nماكلة");
    expect(text(second)).toContain("الجواب A:\nماكلة\n\nالجواب B:\nطعام مغربي");
    expect(first.options).toEqual({ temperature: 0, maxTokens: 8 });
  });
});
