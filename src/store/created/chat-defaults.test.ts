/** SYSTEM and MESSAGE lines joined to a conversation as Ollama's chat handler and templates do. */
import { describe, expect, it } from "vitest";
import { withChatDefaults } from "./chat-defaults.js";

const user = { role: "user" as const, content: "labas?" };
const history = [
  { role: "user" as const, content: "salam" },
  { role: "assistant" as const, content: "wa 3alikoum salam" },
];

describe("withChatDefaults", () => {
  it("adds nothing for a model without defaults", () => {
    expect(withChatDefaults([user], {})).toEqual([user]);
  });

  it("puts the model's SYSTEM first and the history before the request's turns", () => {
    expect(withChatDefaults([user], { system: "S", messages: history })).toEqual([
      { role: "system", content: "S" },
      ...history,
      user,
    ]);
  });

  it("uses the request's system message instead of the model's SYSTEM", () => {
    expect(withChatDefaults([{ role: "system", content: "R" }, user], { system: "S" })).toEqual([
      { role: "system", content: "R" },
      user,
    ]);
  });

  it("gathers MESSAGE system lines into the one system message, in Ollama's order", () => {
    const withSystem = [{ role: "system" as const, content: "M" }, ...history];
    expect(withChatDefaults([user], { system: "S", messages: withSystem })[0]).toEqual({
      role: "system",
      content: "S\n\nM",
    });
    expect(
      withChatDefaults([{ role: "system", content: "R" }, user], { system: "S", messages: withSystem })[0],
    ).toEqual({
      role: "system",
      content: "M\n\nR",
    });
  });
});
