import { describe, expect, it } from "vitest";
import { samplingFromGenerationConfig, sizeLabel } from "./gemma2-metadata.js";
import { modelNameFromFolder } from "./model-name.js";
import { parseOutputType } from "./output-types.js";

describe("sizeLabel (gguf-py size_label)", () => {
  it.each([
    [2_614_341_888, "2.6B"],
    [9_241_705_984, "9.2B"],
    [27_227_128_320, "27B"],
    [115_264, "115K"],
    [4_200_000, "4.2M"],
    [500, "0.50K"],
  ])("%d → %s", (n, label) => expect(sizeLabel(n)).toBe(label));
});

describe("samplingFromGenerationConfig", () => {
  it("reads typed sampling defaults and skips the rest", () => {
    expect(
      samplingFromGenerationConfig({
        top_k: 64,
        top_p: 0.95,
        temperature: "hot",
        repetition_penalty: 1.1,
        eos_token_id: [1, 107],
      }),
    ).toEqual({ topK: 64, topP: 0.95, repeatPenalty: 1.1 });
    expect(samplingFromGenerationConfig(undefined)).toEqual({});
  });
});

describe("modelNameFromFolder", () => {
  it("uses the folder name, or the repo name inside an HF cache snapshot", () => {
    expect(modelNameFromFolder("/models/Atlas-Chat-2B")).toBe("Atlas-Chat-2B");
    expect(modelNameFromFolder("/hf/hub/models--MBZUAI-Paris--Atlas-Chat-9B/snapshots/0123abc")).toBe(
      "Atlas-Chat-9B",
    );
  });
});

describe("parseOutputType", () => {
  it("is case-insensitive and rejects unknown types", () => {
    expect(parseOutputType("Q4_K_M")).toBe("q4_k_m");
    expect(parseOutputType("q3_k")).toBeUndefined();
  });
});
