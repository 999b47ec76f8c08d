/** The Ollama mappers are pure functions: JSON fixtures in, backend requests (or field-named errors) out. */
import { describe, expect, it } from "vitest";
import { renderOllamaTemplate } from "../../src/server/ollama/go-template.js";
import { parseGoDuration, parseKeepAlive } from "../../src/server/ollama/keep-alive.js";
import { parseChatBody, parseGenerateBody } from "../../src/server/ollama/requests.js";
import { finalChunk, parametersText, psReply, tagsReply } from "../../src/server/ollama/responses.js";
import type { GenerationSummary } from "../../src/server/backend.js";
import { itMapsFixtures } from "./fixtures.js";

describe("Ollama request mappers", () => {
  itMapsFixtures(new URL("./fixtures/ollama-requests.json", import.meta.url), {
    chat: parseChatBody,
    generate: parseGenerateBody,
  });
});

describe("Ollama response mappers", () => {
  const summary: GenerationSummary = {
    text: "salam",
    finishReason: "length",
    promptTokens: 12,
    completionTokens: 3,
    context: [2, 5, 6],
    durations: { totalNs: 3_000_000, loadNs: 1_000, promptNs: 1_000_000, evalNs: 2_000_000 },
  };

  it("final chat and generate objects carry done_reason, counts and ns durations", () => {
    expect(finalChunk("chat", "m", summary, "", { withContext: true })).toMatchObject({
      model: "m",
      message: { role: "assistant", content: "" },
      done: true,
      done_reason: "length",
      total_duration: 3_000_000,
      load_duration: 1_000,
      prompt_eval_count: 12,
      prompt_eval_duration: 1_000_000,
      eval_count: 3,
      eval_duration: 2_000_000,
    });
    expect(finalChunk("chat", "m", summary, "")).not.toHaveProperty("context");
    const generated = finalChunk("generate", "m", summary, "salam", { withContext: true });
    expect(generated).toMatchObject({ response: "salam", context: [2, 5, 6] });
    expect(finalChunk("generate", "m", summary, "salam")).not.toHaveProperty("context");
  });

  it("tags and ps list models with Ollama's fields", () => {
    const model = {
      name: "org/m:q8_0",
      sizeBytes: 10,
      modifiedAt: new Date("2024-10-20T10:00:00Z"),
      digest: "ab",
      details: { format: "gguf", family: "gemma2", parameterSize: "2.6B", quantizationLevel: "Q8_0" },
    };
    expect(tagsReply([model])).toEqual({
      models: [
        {
          name: "org/m:q8_0",
          model: "org/m:q8_0",
          modified_at: "2024-10-20T10:00:00.000Z",
          size: 10,
          digest: "ab",
          details: {
            parent_model: "",
            format: "gguf",
            family: "gemma2",
            families: ["gemma2"],
            parameter_size: "2.6B",
            quantization_level: "Q8_0",
          },
        },
      ],
    });
    const ps = psReply([
      {
        ...model,
        expiresAt: new Date("2024-10-20T10:05:00Z"),
        sizeVram: 0,
        contextLength: 4096,
        slots: 4,
        busySlots: 1,
        queued: 0,
      },
    ]);
    expect(ps).toMatchObject({
      models: [{ expires_at: "2024-10-20T10:05:00.000Z", size_vram: 0, context_length: 4096 }],
    });
  });

  it("parameters are Modelfile lines with the name padded", () => {
    expect(parametersText({ stop: ["<end_of_turn>", "<eos>"], num_ctx: 4096 })).toBe(
      `${"stop".padEnd(30)} "<end_of_turn>"\n${"stop".padEnd(30)} "<eos>"\n${"num_ctx".padEnd(30)} 4096`,
    );
  });
});

describe("keep_alive and templates", () => {
  it("reads seconds and Go durations; negative is forever", () => {
    expect(parseKeepAlive(undefined)).toBeUndefined();
    expect(parseKeepAlive(0)).toBe(0);
    expect(parseKeepAlive(2.5)).toBe(2500);
    expect(parseKeepAlive(-1)).toBe(-1);
    expect(parseKeepAlive("5m")).toBe(300_000);
    expect(parseKeepAlive("1h30m")).toBe(5_400_000);
    expect(parseKeepAlive("-1m")).toBe(-1);
    expect(parseGoDuration("300ms")).toBe(300);
    expect(parseGoDuration("1.5h")).toBe(5_400_000);
    expect(parseGoDuration("5")).toBeUndefined();
    expect(() => parseKeepAlive("soon")).toThrow(/keep_alive/);
    expect(() => parseKeepAlive(true)).toThrow(/keep_alive/);
  });

  it("renders the Go-template subset with trim markers and else branches", () => {
    const template =
      "{{- if .System }}[{{ .System }}]{{ else }}(none){{ end -}}\n  {{ .Prompt }}|{{ .Response }} tail";
    expect(renderOllamaTemplate(template, { system: "s", prompt: "p" })).toBe("[s]p|");
    expect(renderOllamaTemplate(template, { system: "", prompt: "p" })).toBe("(none)p|");
    expect(() => renderOllamaTemplate("{{ if .System }}x", { system: "", prompt: "" })).toThrow(
      /no \{\{ end \}\}/,
    );
    expect(() => renderOllamaTemplate("{{ .Messages }}", { system: "", prompt: "" })).toThrow(
      /not supported/,
    );
  });
});
