import { describe, expect, it } from "vitest";
import { isAtlasError } from "../core/index.js";
import type { RepoFile } from "./list-repo-files.js";
import { selectCheckpointFiles, selectGgufFile } from "./select-checkpoint-files.js";

const file = (path: string): RepoFile => ({ path, size: 1, oid: "o", etag: "o" });

describe("selectCheckpointFiles", () => {
  it("keeps config, tokenizer and root safetensors; skips the rest", () => {
    const listing = [
      ".gitattributes",
      "README.md",
      "config.json",
      "generation_config.json",
      "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors",
      "model.safetensors.index.json",
      "pytorch_model.bin",
      "pytorch_model.bin.index.json",
      "original/consolidated.00.pth",
      "original/model.safetensors",
      "consolidated.safetensors",
      "flax_model.msgpack",
      "model.gguf",
      "special_tokens_map.json",
      "tokenizer.json",
      "tokenizer.model",
      "tokenizer_config.json",
      "modelfile",
    ].map(file);
    expect(selectCheckpointFiles(listing).map((f) => f.path)).toEqual([
      "config.json",
      "generation_config.json",
      "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors",
      "model.safetensors.index.json",
      "special_tokens_map.json",
      "tokenizer.json",
      "tokenizer.model",
      "tokenizer_config.json",
    ]);
  });

  it("refuses a repo with only PyTorch weights", () => {
    expect(() => selectCheckpointFiles(["config.json", "pytorch_model.bin"].map(file), "o/n")).toThrow(
      /o\/n has no safetensors weights/,
    );
  });

  it("selects one GGUF file or lists the others", () => {
    const listing = ["a-Q4_K_M.gguf", "a-Q8_0.gguf", "README.md"].map(file);
    expect(selectGgufFile(listing, "a-Q8_0.gguf").map((f) => f.path)).toEqual(["a-Q8_0.gguf"]);
    try {
      selectGgufFile(listing, "b.gguf");
      expect.unreachable();
    } catch (error) {
      expect(isAtlasError(error, "NOT_FOUND")).toBe(true);
      expect((error as Error).message).toContain("a-Q4_K_M.gguf, a-Q8_0.gguf");
    }
  });
});
