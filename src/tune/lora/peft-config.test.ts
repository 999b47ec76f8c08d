import { describe, expect, it } from "vitest";
import { isAtlasError } from "../../core/index.js";
import { isTargeted, parsePeftConfig } from "./peft-adapter.js";
import { addLoraRows, loraScale } from "./lora-delta.js";

const base = { peft_type: "LORA", r: 8, lora_alpha: 16, target_modules: ["q_proj", "v_proj"] };

function code(raw: Record<string, unknown>): string | undefined {
  try {
    parsePeftConfig(raw, "adapter_config.json");
    return undefined;
  } catch (error) {
    return isAtlasError(error) ? error.code : "other";
  }
}

describe("adapter_config.json", () => {
  it("reads r, alpha, rsLoRA and targets", () => {
    expect(parsePeftConfig({ ...base, use_rslora: true, base_model_name_or_path: "m" }, "x")).toEqual({
      r: 8,
      loraAlpha: 16,
      useRslora: true,
      targetModules: ["q_proj", "v_proj"],
      baseModel: "m",
    });
  });

  it("refuses what a GGUF LoRA cannot express, and nonsense", () => {
    expect(code({ ...base, r: 0 })).toBe("INVALID_MODEL");
    expect(code({ ...base, lora_alpha: "x" })).toBe("INVALID_MODEL");
    expect(code({ ...base, target_modules: 3 })).toBe("INVALID_MODEL");
    expect(code({ ...base, peft_type: "IA3" })).toBe("UNSUPPORTED");
    expect(code({ ...base, use_dora: true })).toBe("UNSUPPORTED");
    expect(code({ ...base, alpha_pattern: { q_proj: 4 } })).toBe("UNSUPPORTED");
    expect(
      code({ ...base, rank_pattern: {}, alpha_pattern: {}, modules_to_save: null, bias: "none" }),
    ).toBeUndefined();
  });

  it("matches modules like PEFT: name suffixes, a full-match regex, all-linear", () => {
    expect(isTargeted("model.layers.0.self_attn.q_proj", ["q_proj"])).toBe(true);
    expect(isTargeted("model.layers.0.self_attn.q_proj", ["proj"])).toBe(false);
    expect(isTargeted("model.layers.0.self_attn.q_proj", ".*\\.(q|v)_proj")).toBe(true);
    expect(isTargeted("model.layers.0.self_attn.k_proj", ".*\\.(q|v)_proj")).toBe(false);
    expect(isTargeted("model.layers.0.mlp.up_proj", "all-linear")).toBe(true);
  });
});

describe("B·A rows", () => {
  it("adds factor·B·A row by row, matching a plain product", () => {
    const [rank, inDim, outDim] = [2, 3, 4];
    const a = Float32Array.from({ length: rank * inDim }, (_, i) => (i % 5) - 2);
    const b = Float32Array.from({ length: outDim * rank }, (_, i) => (i % 3) - 1);
    const values = new Float32Array(2 * inDim).fill(1);
    addLoraRows(values, 1, 2, a, b, rank, inDim, 0.5);
    for (let r = 0; r < 2; r++)
      for (let i = 0; i < inDim; i++) {
        let sum = 0;
        for (let k = 0; k < rank; k++) sum += b[(1 + r) * rank + k]! * a[k * inDim + i]!;
        expect(values[r * inDim + i]).toBeCloseTo(1 + 0.5 * sum, 6);
      }
    expect(loraScale(16, 8, 0.5)).toBe(1);
    expect(loraScale(0, 8, 0.5)).toBe(0.5);
  });
});
