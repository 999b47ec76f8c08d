import { describe, expect, it } from "vitest";
import { quantFromFileName, quantOfGguf } from "./store-gguf-file.js";

describe("GGUF quant names", () => {
  it("reads the quant from the header's file type first", () => {
    expect(quantOfGguf(15, "whatever.gguf")).toBe("q4_k_m");
    expect(quantOfGguf(7, "x.Q4_K_M.gguf")).toBe("q8_0");
    expect(quantOfGguf(32, "x.gguf")).toBe("bf16");
  });

  it("falls back to the file name, then to 'gguf'", () => {
    expect(quantOfGguf(undefined, "Atlas-Chat-2B.Q5_K_M.gguf")).toBe("q5_k_m");
    expect(quantOfGguf(9999, "atlas-chat-2b-iq4_xs.gguf")).toBe("iq4_xs");
    expect(quantFromFileName("model-f16.gguf")).toBe("f16");
    expect(quantFromFileName("Atlas-Chat-9B-Q8_0.gguf")).toBe("q8_0");
    expect(quantOfGguf(undefined, "model.gguf")).toBe("gguf");
  });
});
