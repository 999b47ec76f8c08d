import { describe, expect, it } from "vitest";
import {
  explainPrompt,
  sentimentPrompt,
  SENTIMENT_LABELS,
  summarizePrompt,
  translatePrompt,
  transliteratePrompt,
} from "./darija-tasks.js";

describe("Darija task prompts", () => {
  it("puts the Darija instruction on the first line and the text after it", () => {
    expect(translatePrompt("  Good morning  ", "darija")).toBe(
      "ترجم هاد النص للدارجة المغربية:\nGood morning",
    );
    expect(translatePrompt("صباح الخير", "fr").split("\n")[0]).toContain("للفرنسية");
    expect(transliteratePrompt("labas 3lik", "arabic").endsWith("\nlabas 3lik")).toBe(true);
    expect(summarizePrompt("نص").startsWith("لخص")).toBe(true);
    expect(explainPrompt(" واش كاين شي جديد؟ ")).toBe("شرح ليا هاد الهضرة:\nواش كاين شي جديد؟");
  });

  it("lists every sentiment label word in the sentiment prompt", () => {
    const prompt = sentimentPrompt("الماتش كان زوين بزاف");
    for (const l of SENTIMENT_LABELS) expect(prompt).toContain(l.darija);
  });

  it("refuses empty text", () => {
    expect(() => translatePrompt("   ", "en")).toThrow(/no text/);
  });
});
