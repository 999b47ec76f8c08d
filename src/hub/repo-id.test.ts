import { describe, expect, it } from "vitest";
import { isAtlasError } from "../core/index.js";
import { MODEL_ALIASES, resolveAlias } from "./aliases.js";
import { isRepoId, parseRepoId, repoFolderName } from "./repo-id.js";

describe("repo ids and aliases", () => {
  it("parses org/name", () => {
    expect(parseRepoId("MBZUAI-Paris/Atlas-Chat-2B")).toEqual({
      id: "MBZUAI-Paris/Atlas-Chat-2B",
      org: "MBZUAI-Paris",
      name: "Atlas-Chat-2B",
    });
    expect(repoFolderName("MBZUAI-Paris/Atlas-Chat-2B")).toBe("models--MBZUAI-Paris--Atlas-Chat-2B");
  });

  it("rejects what the hub rejects", () => {
    for (const bad of [
      "gpt2",
      "a/b/c",
      "a--b/c",
      "a/../b",
      "../x",
      "org/name.git",
      "org/",
      "/name",
      "o rg/n",
      "org/-x-",
    ]) {
      expect(isRepoId(bad), bad).toBe(false);
    }
    expect(() => parseRepoId("nope")).toThrow(/not a model id/);
    try {
      parseRepoId("nope");
    } catch (error) {
      expect(isAtlasError(error, "BAD_ARGUMENT")).toBe(true);
    }
  });

  it("maps the atlas-chat aliases, case-insensitively", () => {
    expect(resolveAlias("atlas-chat:2b")).toBe("MBZUAI-Paris/Atlas-Chat-2B");
    expect(resolveAlias("Atlas-Chat:9B")).toBe("MBZUAI-Paris/Atlas-Chat-9B");
    expect(resolveAlias("atlas-chat:27b")).toBe("MBZUAI-Paris/Atlas-Chat-27B");
    expect(resolveAlias("atlas-chat:1b")).toBeUndefined();
    expect(Object.values(MODEL_ALIASES).every(isRepoId)).toBe(true);
  });
});
