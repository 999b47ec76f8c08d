/**
 * createModel on generated tiny models: from a checkpoint folder, a GGUF file, a created or pulled model,
 * uploaded blobs; adapters; inheritance; and every refusal leaving nothing behind in the store.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAtlasError } from "../../src/core/index.js";
import { ggufNumber, ggufString, readGguf } from "../../src/convert/index.js";
import {
  createModel,
  findCreatedModel,
  hasBlob,
  listCreatedModels,
  ollamaCreateStatus,
  pullModel,
  pruneBlobs,
  removeCreatedModel,
  removeModel,
  writeBlob,
  type CreateModelOptions,
  type CreateProgress,
} from "../../src/store/index.js";
import { convertPeftAdapter } from "../../src/tune/index.js";
import type { MockHub } from "../helpers/mock-hub.js";
import { TINY_SHAPE, writeGemma2Checkpoint, type WrittenCheckpoint } from "../helpers/tiny-gemma2.js";
import { tinyModel } from "../helpers/tiny-gguf.js";
import { writeTinyLora } from "../helpers/tiny-lora.js";
import { writeTinyPeft } from "../helpers/tiny-peft.js";
import { scratchDir, startTinyHub, testEnv } from "./fixtures.js";

const GEMMA2 =
  "<start_of_turn>user\n{{ if .System }}{{ .System }} {{ end }}{{ .Prompt }}<end_of_turn>\n<start_of_turn>model\n{{ .Response }}<end_of_turn>\n";

let gguf: string;
let checkpoint: WrittenCheckpoint;
let hub: MockHub;

beforeAll(async () => {
  const tiny = await tinyModel();
  gguf = await tiny.gguf("q8_0");
  checkpoint = await writeGemma2Checkpoint(join(await scratchDir("create-ckpt"), "Atlas-Chat-2B"), {
    seed: 3,
  });
  ({ hub } = await startTinyHub());
});
afterAll(() => hub.close());

async function home(): Promise<string> {
  return join(await scratchDir("create"), "atlas");
}

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (entry.name === ".locks") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await files(path)));
    else out.push(path);
  }
  return out;
}

/** Nothing of a model in the store: no manifest, no object, no staging folder. */
async function expectNothingCreated(atlasHome: string): Promise<void> {
  expect(await files(join(atlasHome, "created"))).toEqual([]);
  expect(await listCreatedModels({ atlasHome })).toEqual([]);
}

async function inode(path: string): Promise<number> {
  return (await stat(path)).ino;
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** `bytes` as an upload body arriving in pieces. */
function chunks(bytes: Uint8Array, size = 4096): AsyncIterable<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
  return Readable.from(pieces);
}

describe("createModel: where a model comes from", () => {
  it("FROM a GGUF file: a hard link into the store (no copy), quant from the header", async () => {
    const atlasHome = await home();
    const events: CreateProgress[] = [];
    const result = await createModel({
      atlasHome,
      name: "tiny-gguf",
      from: { kind: "path", path: gguf },
      onProgress: (e) => events.push(e),
    });
    expect(result).toMatchObject({ replaced: false, converted: false, warnings: [] });
    expect(result.model).toMatchObject({
      name: "tiny-gguf:latest",
      quant: "q8_0",
      bytes: (await stat(gguf)).size,
    });
    expect(await inode(result.model.path)).toBe(await inode(gguf));
    expect(events.map((e) => ollamaCreateStatus(e)?.status)).toEqual(["writing manifest", "success"]);
    expect(await findCreatedModel("TINY-GGUF", { atlasHome })).toMatchObject({ path: result.model.path });
  });

  it("FROM a checkpoint folder: converted (default q4_k_m) through the shared conversion cache", async () => {
    const atlasHome = await home();
    const events: CreateProgress[] = [];
    const first = await createModel({
      atlasHome,
      name: "from-folder",
      from: { kind: "path", path: checkpoint.dir },
      onProgress: (e) => events.push(e),
    });
    expect(first.converted).toBe(true);
    expect(first.model).toMatchObject({ quant: "q4_k_m", source: { kind: "checkpoint", quant: "q4_k_m" } });
    expect(ggufNumber(await readGguf(first.model.path), "general.file_type")).toBe(15);
    const statuses = events.map((e) => ollamaCreateStatus(e));
    expect(statuses[0]).toEqual({ status: "converting model" });
    expect(statuses.some((s) => s?.total !== undefined && s.completed === s.total)).toBe(true);
    // The same folder again: the conversion is reused and shared.
    const second = await createModel({
      atlasHome,
      name: "again",
      from: { kind: "path", path: checkpoint.dir },
    });
    expect(second.converted).toBe(false);
    expect(await inode(second.model.path)).toBe(await inode(first.model.path));
  });

  it("FROM a created model: shares its GGUF, inherits its defaults as Ollama does", async () => {
    const atlasHome = await home();
    const lora = join(await scratchDir("lora"), "darija.gguf");
    await writeTinyLora(lora, TINY_SHAPE);
    const base = await createModel({
      atlasHome,
      name: "me/base:v1",
      from: { kind: "path", path: gguf },
      adapters: [{ kind: "path", path: lora }],
      template: GEMMA2,
      system: "جاوب بالدارجة.",
      parameters: { temperature: 0.5, stop: ["<end_of_turn>"] },
      messages: [
        { role: "user", content: "salam" },
        { role: "assistant", content: "wa 3alikoum salam" },
      ],
      license: "Gemma Terms of Use",
    });
    expect(ggufString(await readGguf(base.model.adapters[0]!), "general.type")).toBe("adapter");
    const derived = await createModel({
      atlasHome,
      name: "derived",
      from: { kind: "model", name: "ME/base:V1" },
      system: "",
      parameters: { top_k: 20, temperature: 0.1 },
      license: ["more terms"],
    });
    expect(await inode(derived.model.path)).toBe(await inode(gguf));
    expect(derived.model).toMatchObject({
      template: GEMMA2,
      system: "جاوب بالدارجة.",
      parameters: { temperature: 0.1, stop: ["<end_of_turn>"], top_k: 20 },
      messages: base.model.messages,
      license: ["Gemma Terms of Use", "more terms"],
      source: { kind: "model", name: "me/base:v1" },
    });
    expect(derived.model.adapters).toHaveLength(1);
    // Removing the base leaves the derived model whole: it holds its own links.
    await removeCreatedModel("me/base:v1", { atlasHome });
    expect(await findCreatedModel("derived", { atlasHome })).toMatchObject({ path: derived.model.path });
    expect(await readGguf(derived.model.adapters[0]!)).toBeDefined();
  });

  it("FROM a pulled model: shares the store's GGUF, survives `atlas rm` of the pulled one", async () => {
    const env = await testEnv(hub);
    const pulled = await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env });
    const created = await createModel({ env, name: "tutor", from: { kind: "model", name: "atlas-chat:2b" } });
    expect(created.model).toMatchObject({ quant: "q8_0", source: { kind: "model", name: "atlas-chat:2b" } });
    expect(await inode(created.model.path)).toBe(await inode(pulled.path));
    await removeModel("atlas-chat:2b", { env });
    expect((await findCreatedModel("tutor", { env }))?.path).toBe(created.model.path);
  });

  it("FROM uploaded blobs: a GGUF, then a whole checkpoint converted; pruneBlobs keeps what models use", async () => {
    const atlasHome = await home();
    const bytes = await readFile(gguf);
    const digest = sha256(bytes);
    expect(await hasBlob(digest, { atlasHome })).toBe(false);
    expect(await writeBlob(digest, chunks(bytes), { atlasHome })).toMatchObject({
      created: true,
      bytes: bytes.length,
    });
    expect(await writeBlob(digest, chunks(bytes), { atlasHome })).toMatchObject({ created: false });
    const events: CreateProgress[] = [];
    const fromGguf = await createModel({
      atlasHome,
      name: "blob-gguf",
      from: { kind: "blobs", files: { "tiny.q8_0.gguf": digest } },
      onProgress: (e) => events.push(e),
    });
    expect(fromGguf.model.quant).toBe("q8_0");
    expect(events.map((e) => ollamaCreateStatus(e)?.status)[0]).toBe(`using existing layer ${digest}`);

    const checkpointFiles: Record<string, string> = {};
    for (const name of checkpoint.files) {
      const content = await readFile(join(checkpoint.dir, name));
      checkpointFiles[name] = sha256(content);
      await writeBlob(checkpointFiles[name], chunks(content), { atlasHome });
    }
    const converted = await createModel({
      atlasHome,
      name: "blob-checkpoint",
      from: { kind: "blobs", files: checkpointFiles },
      quantize: "q8_0",
    });
    expect(converted.model).toMatchObject({ quant: "q8_0", source: { kind: "blobs", quant: "q8_0" } });
    expect(converted.converted).toBe(true);
    expect(ggufNumber(await readGguf(converted.model.path), "general.file_type")).toBe(7);
    // An abandoned upload goes; every blob a model was made from stays.
    const stray = new TextEncoder().encode("abandoned");
    await writeBlob(sha256(stray), chunks(stray), { atlasHome });
    expect(await pruneBlobs({ atlasHome, keepNewerThanMs: -1 })).toEqual([sha256(stray)]);
    for (const d of [digest, ...Object.values(checkpointFiles)])
      expect(await hasBlob(d, { atlasHome })).toBe(true);
  });

  it("replaces a model created under the same name (as ollama create does), leaving one object", async () => {
    const atlasHome = await home();
    await createModel({ atlasHome, name: "same", from: { kind: "path", path: gguf }, system: "one" });
    const again = await createModel({
      atlasHome,
      name: "Same:latest",
      from: { kind: "path", path: gguf },
      system: "two",
    });
    expect(again).toMatchObject({ replaced: true, model: { system: "two" } });
    expect(await readdir(join(atlasHome, "created", "objects"))).toHaveLength(1);
    expect((await listCreatedModels({ atlasHome })).map((m) => m.name)).toEqual(["Same:latest"]);
  });
});

describe("createModel: adapters", () => {
  it("converts a PEFT adapter folder with the injected converter, checked against the checkpoint", async () => {
    const atlasHome = await home();
    const peft = await writeTinyPeft(join(await scratchDir("peft"), "adapter"), TINY_SHAPE);
    const made = await createModel({
      atlasHome,
      name: "with-peft",
      from: { kind: "path", path: checkpoint.dir },
      quantize: "q8_0",
      adapters: [{ kind: "path", path: peft.dir }],
      convertAdapter: async ({ adapter, base, output }) => {
        expect(base).toBe(checkpoint.dir);
        await convertPeftAdapter({ adapter, base, output });
      },
    });
    const adapter = await readGguf(made.model.adapters[0]!);
    expect(ggufString(adapter, "general.type")).toBe("adapter");
  });

  it("refuses a PEFT folder without a converter, a model given as an adapter, a wrong-size adapter", async () => {
    const atlasHome = await home();
    const peft = await writeTinyPeft(join(await scratchDir("peft"), "adapter"), TINY_SHAPE);
    const base: CreateModelOptions = { atlasHome, name: "x", from: { kind: "path", path: gguf } };
    await expect(createModel({ ...base, adapters: [{ kind: "path", path: peft.dir }] })).rejects.toSatisfy(
      (e) => isAtlasError(e, "UNSUPPORTED") && e.message.includes("PEFT adapter"),
    );
    await expect(createModel({ ...base, adapters: [{ kind: "path", path: gguf }] })).rejects.toThrow(
      /is a model, not a LoRA adapter/,
    );
    const wrong = await writeTinyPeft(join(await scratchDir("peft"), "wrong"), TINY_SHAPE, {
      sizeFor: { ...TINY_SHAPE, hiddenSize: 128 },
    });
    await expect(
      createModel({
        ...base,
        adapters: [{ kind: "path", path: wrong.dir }],
        convertAdapter: async (p) => {
          await convertPeftAdapter(p);
        },
      }),
    ).rejects.toSatisfy((e) => isAtlasError(e, "INVALID_MODEL"));
    await expectNothingCreated(atlasHome);
  });
});

describe("createModel: refusals leave nothing in the store", () => {
  it.each<[string, Partial<CreateModelOptions>, RegExp]>([
    ["a bad name", { name: "../etc" }, /invalid model name '\.\.\/etc'/],
    ["a registry name", { name: "registry.ollama.ai/library/x" }, /invalid model name/],
    [
      "a FROM that does not exist",
      { from: { kind: "path", path: "/no/such/model.gguf" } },
      /FROM: no such file or folder/,
    ],
    [
      "an unknown FROM model",
      { from: { kind: "model", name: "nobody/nothing" } },
      /FROM nobody\/nothing: the model is not downloaded — run `atlas pull nobody\/nothing`/,
    ],
    [
      "a name that is no model",
      { from: { kind: "model", name: "ghost" } },
      /FROM ghost: no model of that name/,
    ],
    [
      "a non-Gemma template",
      { template: "[INST] {{ .Prompt }} [/INST]" },
      /TEMPLATE is not Gemma's chat format/,
    ],
    [
      "a parameter out of range",
      { parameters: { temperature: -1 } },
      /parameter temperature must be a number from 0 to 10/,
    ],
    ["an unsupported parameter", { parameters: { num_keep: 5 } }, /parameter num_keep is not supported/],
    [
      "a bad MESSAGE role",
      { messages: [{ role: "tool" as "user", content: "x" }] },
      /MESSAGE 1: role must be one of/,
    ],
    ["quantize on a GGUF", { quantize: "q4_k_m" }, /quantize q4_k_m applies only when FROM is a checkpoint/],
    ["a bad REQUIRES", { requires: "soon" }, /requires must be a valid semver/],
    [
      "a history the chat template refuses (ends with the user's turn)",
      { messages: [{ role: "user", content: "salam" }] },
      /the MESSAGE history does not fit the model's chat template/,
    ],
  ])("%s", async (_label, change, message) => {
    const atlasHome = await home();
    await expect(
      createModel({ atlasHome, name: "refused", from: { kind: "path", path: gguf }, ...change }),
    ).rejects.toThrow(message);
    await expectNothingCreated(atlasHome);
  });

  it("a name a pulled model answers to, unless forced", async () => {
    const env = await testEnv(hub);
    await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env });
    for (const name of ["atlas-chat:2b", "MBZUAI-Paris/Atlas-Chat-2B", "mbzuai-paris/atlas-chat-2b:q8_0"])
      await expect(createModel({ env, name, from: { kind: "path", path: gguf } })).rejects.toThrow(
        /is the name of a pulled model \(MBZUAI-Paris\/Atlas-Chat-2B, q8_0\) — choose another name, or pass --force/,
      );
    await expectNothingCreated(env["ATLAS_HOME"]!);
    const forced = await createModel({
      env,
      name: "atlas-chat:2b",
      from: { kind: "path", path: gguf },
      force: true,
    });
    expect(forced.model.name).toBe("atlas-chat:2b");
  });

  it("a conversion that is cancelled", async () => {
    const atlasHome = await home();
    const controller = new AbortController();
    const error = await createModel({
      atlasHome,
      name: "cancelled",
      from: { kind: "path", path: checkpoint.dir },
      quantize: "f32",
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === "convert" && e.progress.tensorsDone > 2) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ABORTED" });
    await expectNothingCreated(atlasHome);
  });

  it("uploads with a wrong digest, over the size limit, or a malformed digest", async () => {
    const atlasHome = await home();
    const bytes = new TextEncoder().encode("not the right content");
    const wrong = sha256(new TextEncoder().encode("other"));
    await expect(writeBlob(wrong, chunks(bytes), { atlasHome })).rejects.toSatisfy(
      (e) =>
        isAtlasError(e, "CHECKSUM") &&
        e.details.field === "digest" &&
        e.message.startsWith(`digest mismatch, expected "${wrong}", got "${sha256(bytes)}"`),
    );
    await expect(writeBlob(sha256(bytes), chunks(bytes, 4), { atlasHome, maxBytes: 8 })).rejects.toSatisfy(
      (e) => isAtlasError(e, "BAD_ARGUMENT") && e.details.field === "body" && e.details.limit === 8,
    );
    await expect(writeBlob("sha256:xyz", chunks(bytes), { atlasHome })).rejects.toThrow(
      /invalid digest format/,
    );
    await mkdir(join(atlasHome, "blobs"), { recursive: true });
    expect(await readdir(join(atlasHome, "blobs"))).toEqual([]);
    await expect(
      createModel({ atlasHome, name: "x", from: { kind: "blobs", files: { "m.gguf": wrong } } }),
    ).rejects.toThrow(
      new RegExp(`blob ${wrong} \\(m.gguf\\) was not uploaded — send it first: POST /api/blobs/${wrong}`),
    );
    await expect(
      createModel({ atlasHome, name: "x", from: { kind: "blobs", files: { "../m.gguf": wrong } } }),
    ).rejects.toThrow(/file path must be relative/);
    await writeFile(join(atlasHome, "marker"), "");
    await expectNothingCreated(atlasHome);
  });
});
