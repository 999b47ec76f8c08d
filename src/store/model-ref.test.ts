import { mkdtemp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isAtlasError } from "../core/index.js";
import { parseModelRef } from "./model-ref.js";

describe("parseModelRef", () => {
  it("reads aliases and ids with an optional quant", () => {
    expect(parseModelRef("atlas-chat:2b")).toEqual({
      kind: "hub",
      input: "atlas-chat:2b",
      repo: "MBZUAI-Paris/Atlas-Chat-2B",
    });
    expect(parseModelRef("atlas-chat:9b:Q8_0")).toMatchObject({
      repo: "MBZUAI-Paris/Atlas-Chat-9B",
      quant: "q8_0",
    });
    expect(parseModelRef("org/Model-GGUF:q4_k_m")).toMatchObject({ repo: "org/Model-GGUF", quant: "q4_k_m" });
    expect(parseModelRef("MBZUAI-Paris/Atlas-Chat-27B")).toEqual({
      kind: "hub",
      input: "MBZUAI-Paris/Atlas-Chat-27B",
      repo: "MBZUAI-Paris/Atlas-Chat-27B",
    });
  });

  it("treats explicit and existing paths as paths", async () => {
    const dir = await mkdtemp(join(process.env["ATLAS_TEST_TMP"] ?? "/tmp", "ref-"));
    await writeFile(join(dir, "m.gguf"), "GGUF");
    expect(parseModelRef("./x/y.gguf", dir)).toEqual({
      kind: "path",
      input: "./x/y.gguf",
      path: join(dir, "x/y.gguf"),
    });
    expect(parseModelRef("/abs/model")).toMatchObject({ kind: "path", path: "/abs/model" });
    expect(parseModelRef("m.gguf", dir)).toMatchObject({ kind: "path", path: join(dir, "m.gguf") });
    expect(parseModelRef("~/models/a.gguf").kind).toBe("path");
  });

  it("rejects anything else with a hint", () => {
    for (const bad of ["", "atlas-chat:1b", "justaname", "a/b/c"]) {
      try {
        parseModelRef(bad, "/nonexistent-dir");
        expect.unreachable(bad);
      } catch (error) {
        expect(isAtlasError(error, "BAD_ARGUMENT"), bad).toBe(true);
      }
    }
  });
});
