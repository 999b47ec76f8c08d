/** PARAMETER typing (Ollama's FormatParams), support, and the mapping onto the request contract. */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkModelParameters, modelParameterOptions, parseParameterText } from "./model-parameters.js";
import { expandModelfilePath, modelfileToRequest } from "./modelfile-request.js";
import { parseModelfile } from "./parse-modelfile.js";

describe("parseParameterText (Ollama's FormatParams)", () => {
  it.each([
    ["temperature", "0.7", 0.7],
    ["temperature", "1", 1],
    ["top_p", ".9", 0.9],
    ["repeat_penalty", "1e0", 1],
    ["top_k", "40", 40],
    ["seed", "-1", -1],
    ["num_ctx", "+2048", 2048],
    ["use_mmap", "True", true],
    ["use_mmap", "0", false],
    ["stop", "<end_of_turn>", ["<end_of_turn>"]],
  ])("%s %s", (name, text, value) => {
    expect(parseParameterText(name, text)).toEqual(value);
  });

  it.each([
    ["top_k", "4.5", "invalid int value [4.5] for parameter top_k"],
    ["num_ctx", "4k", "invalid int value [4k]"],
    ["temperature", "hot", "invalid float value [hot]"],
    ["use_mmap", "yes", "invalid bool value [yes]"],
    ["tfs_z", "1", "unknown parameter 'tfs_z'"],
    ["Temperature", "1", "unknown parameter 'Temperature'"],
  ])("refuses %s %s with Ollama's words", (name, text, message) => {
    expect(() => parseParameterText(name, text)).toThrow(message);
  });

  it("ignores a deprecated parameter with a warning, as Ollama does", () => {
    const warnings: string[] = [];
    expect(parseParameterText("mirostat", "2", { onWarning: (w) => warnings.push(w) })).toBeUndefined();
    expect(warnings).toEqual(["parameter mirostat is deprecated and ignored (as Ollama ignores it)"]);
  });
});

describe("modelParameterOptions", () => {
  it("maps sampling parameters onto the request contract and load parameters onto load options", () => {
    expect(
      modelParameterOptions({
        temperature: 0.3,
        top_k: 20,
        top_p: 0.8,
        min_p: 0.1,
        seed: 42,
        num_predict: 256,
        repeat_penalty: 1.1,
        repeat_last_n: 32,
        presence_penalty: 0.5,
        frequency_penalty: 0.25,
        stop: ["<start_of_turn>", "<end_of_turn>"],
        num_ctx: 2048,
        num_batch: 256,
        num_gpu: 10,
        num_thread: 2,
        typical_p: 0.9,
        use_mmap: true,
      }),
    ).toEqual({
      generate: {
        temperature: 0.3,
        topK: 20,
        topP: 0.8,
        minP: 0.1,
        typicalP: 0.9,
        seed: 42,
        maxTokens: 256,
        repeatPenalty: 1.1,
        repeatLastN: 32,
        presencePenalty: 0.5,
        frequencyPenalty: 0.25,
        stop: ["<start_of_turn>", "<end_of_turn>"],
      },
      load: { contextSize: 2048, batchSize: 256, gpuLayers: 10, threads: 2 },
      repeatLastNWholeContext: false,
    });
  });

  it("reads Ollama's 'let it decide' values: seed -1, num_predict -1, num_gpu -1, num_thread 0, repeat_last_n -1", () => {
    expect(
      modelParameterOptions({ seed: -1, num_predict: -1, num_gpu: -1, num_thread: 0, repeat_last_n: -1 }),
    ).toEqual({ generate: {}, load: {}, repeatLastNWholeContext: true });
  });

  it.each([
    [{ temperature: 11 }, /parameter temperature must be a number from 0 to 10 \(0 = greedy\), got 11/],
    [{ top_p: 2 }, /parameter top_p must be a number from 0 to 1/],
    [{ num_ctx: 0 }, /num_ctx must be a whole number ≥ 1/],
    [{ num_predict: -5 }, /num_predict must be ≥ 0, or -1/],
    [{ main_gpu: 0 }, /main_gpu is not supported: atlas runs a model on one GPU/],
    [{ num_keep: 4 }, /num_keep is not supported/],
    [{ draft_num_predict: 4 }, /no speculative decoding/],
    [{ typical_p: 1.5 }, /parameter typical_p must be a number from 0 to 1/],
    [{ use_mmap: false }, /use_mmap false is not supported/],
  ])("refuses %j by name", (parameters, message) => {
    expect(() => modelParameterOptions(parameters)).toThrow(message);
  });
});

describe("checkModelParameters (/api/create's JSON)", () => {
  it("types JSON values as Ollama does: an int field truncates a float, stop takes text or a list", () => {
    expect(checkModelParameters({ top_k: 40.9, stop: "<end_of_turn>", temperature: 0.5 })).toEqual({
      top_k: 40,
      stop: ["<end_of_turn>"],
      temperature: 0.5,
    });
  });

  it("refuses wrong types and unknown names", () => {
    expect(() => checkModelParameters({ temperature: "0.5" })).toThrow(
      /temperature must be a number, got text/,
    );
    expect(() => checkModelParameters({ stop: [1] })).toThrow(/stop must be text or a list of texts/);
    expect(() => checkModelParameters({ mirostat_eta_x: 1 })).toThrow(/unknown parameter 'mirostat_eta_x'/);
  });
});

describe("modelfileToRequest", () => {
  it("builds createModel's request: stop lines add up, the last value of others wins, MESSAGEs split", async () => {
    const dir = await mkdtemp(join(process.env["ATLAS_TEST_TMP"] ?? tmpdir(), "modelfile-"));
    await mkdir(join(dir, "weights"));
    const warnings: string[] = [];
    const modelfile = parseModelfile(`FROM ./weights
PARAMETER stop <start_of_turn>
PARAMETER stop <end_of_turn>
PARAMETER temperature 0.9
PARAMETER temperature 0.2
PARAMETER penalize_newline false
SYSTEM first
SYSTEM جاوب ديما بالدارجة.
LICENSE one
LICENSE two
MESSAGE user salam
MESSAGE assistant wa 3alikoum salam
REQUIRES 0.5.0
`);
    const request = await modelfileToRequest(modelfile, { dir, onWarning: (w) => warnings.push(w) });
    expect(request).toEqual({
      from: { kind: "path", path: join(dir, "weights") },
      system: "جاوب ديما بالدارجة.",
      parameters: { stop: ["<start_of_turn>", "<end_of_turn>"], temperature: 0.2 },
      messages: [
        { role: "user", content: "salam" },
        { role: "assistant", content: "wa 3alikoum salam" },
      ],
      license: ["one", "two"],
      requires: "0.5.0",
    });
    expect(warnings).toEqual(["parameter penalize_newline is deprecated and ignored (as Ollama ignores it)"]);
  });

  it("reads a FROM that names no file as a model name, and refuses a missing path", async () => {
    const dir = await mkdtemp(join(process.env["ATLAS_TEST_TMP"] ?? tmpdir(), "modelfile-"));
    expect((await modelfileToRequest(parseModelfile("FROM atlas-chat:2b"), { dir })).from).toEqual({
      kind: "model",
      name: "atlas-chat:2b",
    });
    await expect(modelfileToRequest(parseModelfile("FROM ./missing.gguf"), { dir })).rejects.toThrow(
      /FROM \.\/missing\.gguf: no such file or folder — fix the path/,
    );
    await expect(
      modelfileToRequest(parseModelfile("FROM base\nADAPTER ./none.gguf"), { dir }),
    ).rejects.toThrow(/line 2: ADAPTER \.\/none\.gguf: no such file or folder/);
  });

  it("refuses a second FROM, RENDERER/PARSER/DRAFT, a bad parameter value and a non-Gemma TEMPLATE, at their line", async () => {
    const dir = await mkdtemp(join(process.env["ATLAS_TEST_TMP"] ?? tmpdir(), "modelfile-"));
    await writeFile(join(dir, "m.gguf"), "");
    const refuse = (text: string, message: RegExp): Promise<void> =>
      expect(modelfileToRequest(parseModelfile(text), { dir, where: "Modelfile" })).rejects.toThrow(message);
    await refuse("FROM a\nFROM b\n", /line 2: a second FROM/);
    await refuse("FROM a\nRENDERER gemma4\n", /line 2: RENDERER is not supported/);
    await refuse(
      "FROM a\nPARAMETER temperature 20\n",
      /Modelfile:2: Modelfile line 2: parameter temperature must be a number from 0 to 10/,
    );
    await refuse("FROM a\nPARAMETER num_keep 24\n", /line 2: parameter num_keep is not supported/);
    await refuse(
      'FROM a\n\nTEMPLATE "[INST] {{ .Prompt }} [/INST]"\n',
      /Modelfile:3: Modelfile line 3: TEMPLATE is not Gemma's chat format/,
    );
  });

  it("expands paths as Ollama does: absolute, ~, relative to the Modelfile", () => {
    expect(expandModelfilePath("/abs/m.gguf", "/dir")).toBe("/abs/m.gguf");
    expect(expandModelfilePath("~/models/m.gguf", "/dir")).toBe(join(homedir(), "models/m.gguf"));
    expect(expandModelfilePath(".", "/dir/Atlas-Chat-2B")).toBe("/dir/Atlas-Chat-2B");
    expect(() => expandModelfilePath("~someone/m.gguf", "/dir")).toThrow(/another user's home/);
  });
});
