import { describe, expect, it } from "vitest";
import { generateOptionsFrom, loadOptionsFrom, parseLora } from "./model-flags.js";

describe("model flags", () => {
  it("parses --lora FILE[:SCALE], keeping colons that are part of the path", () => {
    expect(parseLora("run", "adapter.gguf")).toEqual({ path: "adapter.gguf" });
    expect(parseLora("run", "adapter.gguf:0.5")).toEqual({ path: "adapter.gguf", scale: 0.5 });
    expect(parseLora("run", "C:/models/a.gguf")).toEqual({ path: "C:/models/a.gguf" });
    expect(() => parseLora("run", "")).toThrow(/needs a file/);
  });

  it("turns load flags into engine options", () => {
    expect(
      loadOptionsFrom("run", {
        gpu: "cpu",
        "gpu-layers": "max",
        "ctx-size": "2048",
        threads: "2",
        lora: ["a.gguf:2"],
        quant: "q8_0",
      }),
    ).toEqual({
      gpu: "cpu",
      gpuLayers: "max",
      contextSize: 2048,
      threads: 2,
      lora: [{ path: "a.gguf", scale: 2 }],
      quant: "q8_0",
    });
    expect(() => loadOptionsFrom("run", { "ctx-size": "8" })).toThrow(
      /--ctx-size must be a whole number from 16/,
    );
    expect(() => loadOptionsFrom("run", { gpu: "tpu" })).toThrow(/--gpu must be one of auto, cpu/);
    expect(
      loadOptionsFrom("run", {
        "threads-batch": "1",
        "thread-poll": "50",
        mlock: true,
        "batch-invariant": true,
      }),
    ).toEqual({ threadsBatch: 1, threadPoll: 50, mlock: true, batchInvariant: true });
    expect(() => loadOptionsFrom("run", { "thread-poll": "101" })).toThrow(
      /--thread-poll must be a whole number from 0 to 100/,
    );
    expect(() => loadOptionsFrom("run", { "gpu-layers": "-1" })).toThrow(/--gpu-layers/);
  });

  it("turns sampling flags into generate options and rejects nonsense", () => {
    expect(
      generateOptionsFrom("run", {
        temperature: "0",
        "top-k": "0",
        "top-p": "0.9",
        seed: "7",
        "max-tokens": "64",
        stop: ["\n\n"],
      }),
    ).toEqual({
      temperature: 0,
      topK: 0,
      topP: 0.9,
      seed: 7,
      maxTokens: 64,
      stop: ["\n\n"],
    });
    expect(() => generateOptionsFrom("run", { "top-p": "1.5" })).toThrow(
      /--top-p must be a number from 0 to 1/,
    );
    expect(() => generateOptionsFrom("run", { temperature: "hot" })).toThrow(
      /--temperature must be a number from 0 to 10 \(0 = greedy\), got 'hot'/,
    );
    expect(() => generateOptionsFrom("run", { stop: [""] })).toThrow(/--stop must be a list/);
    expect(() => generateOptionsFrom("run", { "max-tokens": "1.5" })).toThrow(/--max-tokens/);
    expect(() => generateOptionsFrom("run", { seed: "-1" })).toThrow(/--seed/);
  });
});
