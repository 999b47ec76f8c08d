/**
 * pullModel end to end against the mock hub: HF cache layout → real conversion → a GGUF that
 * llama.cpp loads; idempotence, offline, `--file` GGUF repos, local checkpoints.
 */
import { lstat, readFile, readdir, readlink, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isAtlasError } from "../../src/core/index.js";
import { readGguf, ggufNumber } from "../../src/convert/index.js";
import { LlamaEngine } from "../../src/engine/index.js";
import { listModels, pullModel, readManifest, type PullProgress } from "../../src/store/index.js";
import type { MockHub } from "../helpers/mock-hub.js";
import type { WrittenCheckpoint } from "../helpers/tiny-gemma2.js";
import { REPO, startTinyHub, testEnv } from "./fixtures.js";

let hub: MockHub;
let checkpoint: WrittenCheckpoint;

beforeAll(async () => {
  ({ hub, checkpoint } = await startTinyHub());
});
afterAll(async () => {
  await hub.close();
});
beforeEach(() => hub.reset());

const noConvert = (): Promise<never> => Promise.reject(new Error("conversion must not run"));

describe("pullModel from the hub", () => {
  it("downloads into the HF cache layout, converts, stores with a manifest; the GGUF loads in llama.cpp", async () => {
    const env = await testEnv(hub);
    const events: PullProgress[] = [];
    const result = await pullModel({
      model: "atlas-chat:2b",
      quant: "q8_0",
      env,
      onProgress: (e) => events.push(e),
    });
    const sha = hub.repo(REPO).refs.get("main") ?? "";
    expect(result).toMatchObject({
      id: REPO,
      revision: "main",
      sha,
      quant: "q8_0",
      status: "pulled",
      source: "converted",
    });

    // HF cache: exactly Python's layout, only the files conversion needs.
    const root = join(env["HF_HUB_CACHE"] ?? "", "models--MBZUAI-Paris--Atlas-Chat-2B");
    expect(await readFile(join(root, "refs", "main"), "utf8")).toBe(sha);
    expect(result.snapshot).toBe(join(root, "snapshots", sha));
    expect((await readdir(join(root, "snapshots", sha))).sort()).toEqual(checkpoint.files);
    const served = hub.repo(REPO).commits.get(sha);
    for (const name of checkpoint.files) {
      const link = join(root, "snapshots", sha, name);
      expect((await lstat(link)).isSymbolicLink()).toBe(true);
      expect(await readlink(link)).toBe(`../../blobs/${served?.get(name)?.etag}`);
    }
    expect(
      hub
        .contentRequests()
        .map((r) => r.file)
        .sort(),
    ).toEqual(checkpoint.files);

    // Store: <ATLAS_HOME>/models/<org>/<name>/<sha>/<quant>.gguf + manifest.json.
    const dir = join(env["ATLAS_HOME"] ?? "", "models", "MBZUAI-Paris", "Atlas-Chat-2B", sha);
    expect(result.path).toBe(join(dir, "q8_0.gguf"));
    expect(result.bytes).toBe((await stat(result.path)).size);
    const manifest = await readManifest(join(dir, "manifest.json"));
    expect(manifest).toMatchObject({ schema: 1, id: REPO, sha, revisions: ["main"] });
    expect(manifest?.quants["q8_0"]).toMatchObject({
      quant: "q8_0",
      file: "q8_0.gguf",
      bytes: result.bytes,
      source: "converted",
      revision: "main",
      fileType: 7,
    });
    expect(manifest?.quants["q8_0"]?.sourceFiles.map((f) => f.path).sort()).toEqual(checkpoint.files);
    expect(manifest?.quants["q8_0"]?.atlasVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(events.some((e) => e.type === "convert")).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: "stored", path: result.path });

    // The GGUF is real: llama.cpp loads it and its vocabulary has the checkpoint's special tokens.
    expect(ggufNumber(await readGguf(result.path), "general.file_type")).toBe(7);
    const model = await new LlamaEngine().loadModel(result.path, {
      gpu: "cpu",
      contextSize: 64,
      sequences: 1,
    });
    try {
      expect(model.tokenize("<start_of_turn>", { parseSpecial: true })).toEqual([
        checkpoint.specialIds.startOfTurn,
      ]);
      expect(model.tokenize("hello world").length).toBeGreaterThan(0);
    } finally {
      await model.dispose();
    }

    // A second pull of the same sha+quant does nothing but ask for the revision.
    hub.reset();
    const again = await pullModel({
      model: "MBZUAI-Paris/Atlas-Chat-2B",
      quant: "q8_0",
      env,
      convert: noConvert,
    });
    expect(again).toMatchObject({ status: "up-to-date", path: result.path, downloadedBytes: 0 });
    expect(hub.requests.map((r) => r.url.split("?")[0])).toEqual([`/api/models/${REPO}/revision/main`]);

    // Offline: not even that; by sha: no request either.
    hub.reset();
    const offline = await pullModel({
      model: "atlas-chat:2b:q8_0",
      env: { ...env, HF_HUB_OFFLINE: "1" },
      convert: noConvert,
    });
    expect(offline).toMatchObject({ status: "up-to-date", path: result.path });
    const bySha = await pullModel({
      model: "atlas-chat:2b",
      quant: "q8_0",
      revision: sha,
      env,
      convert: noConvert,
    });
    expect(bySha.path).toBe(result.path);
    expect(hub.requests).toEqual([]);
  });

  it("the default quant is q4_k_m; other quants reuse the cached download", async () => {
    const env = await testEnv(hub);
    await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env });
    hub.reset();
    const result = await pullModel({ model: "atlas-chat:2b", env });
    expect(result).toMatchObject({ quant: "q4_k_m", status: "pulled", downloadedBytes: 0 });
    expect(hub.contentRequests()).toEqual([]);
    expect(ggufNumber(await readGguf(result.path), "general.file_type")).toBe(15);
    const listed = await listModels({ env });
    expect(listed.map((m) => m.quant).sort()).toEqual(["q4_k_m", "q8_0"]);
  });

  it("offline with an empty cache fails clearly and makes no request", async () => {
    const env = await testEnv(hub, { HF_HUB_OFFLINE: "1" });
    await expect(pullModel({ model: "atlas-chat:2b", env })).rejects.toSatisfy(
      (e) => isAtlasError(e, "NOT_FOUND") && e.message.includes("not in the cache (offline mode)"),
    );
    expect(hub.requests).toEqual([]);
  });

  it("offline after a download converts from the cache alone", async () => {
    const env = await testEnv(hub);
    await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env });
    hub.reset();
    const result = await pullModel({
      model: "atlas-chat:2b",
      quant: "f16",
      env: { ...env, HF_HUB_OFFLINE: "1" },
    });
    expect(result).toMatchObject({ quant: "f16", status: "pulled" });
    expect(hub.requests).toEqual([]);
  });

  it("gated without a token: the license message, nothing stored", async () => {
    const env = await testEnv(hub);
    delete env["HF_TOKEN"];
    await expect(pullModel({ model: "atlas-chat:2b", env })).rejects.toSatisfy(
      (e) =>
        isAtlasError(e, "AUTH") &&
        e.message.includes(
          `the model ${REPO} is gated — accept its license at ${hub.url}/${REPO} and set HF_TOKEN or run with --token`,
        ),
    );
    expect(await listModels({ env })).toEqual([]);
    // The same with --token works.
    const ok = await pullModel({ model: "atlas-chat:2b", quant: "q8_0", token: "hf_test_token", env });
    expect(ok.status).toBe("pulled");
  });

  it("rejects unknown quants and --quant with --file", async () => {
    const env = await testEnv(hub);
    await expect(pullModel({ model: "atlas-chat:2b", quant: "q3_x", env })).rejects.toSatisfy(
      (e) => isAtlasError(e, "BAD_ARGUMENT") && e.message.includes("q4_k_m"),
    );
    await expect(pullModel({ model: "atlas-chat:2b", quant: "q8_0", file: "a.gguf", env })).rejects.toSatisfy(
      (e) => isAtlasError(e, "BAD_ARGUMENT"),
    );
    expect(hub.requests).toEqual([]);
  });
});

describe("pullModel --file (repos that already hold GGUF files)", () => {
  it("downloads the one GGUF and stores it as is, named by its file type", async () => {
    const env = await testEnv(hub);
    const converted = await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env });
    const content = await readFile(converted.path);
    hub.addRepo({
      id: "mock-org/Atlas-Chat-2B-GGUF",
      commits: [
        {
          files: [
            { path: "Atlas-Chat-2B.Q8_0.gguf", content },
            { path: "Atlas-Chat-2B.Q4_0.gguf", content: new Uint8Array(10) },
            { path: "README.md", content: new Uint8Array(3) },
          ],
        },
      ],
    });
    hub.reset();
    const result = await pullModel({
      model: "mock-org/Atlas-Chat-2B-GGUF",
      file: "Atlas-Chat-2B.Q8_0.gguf",
      env,
      convert: noConvert,
    });
    expect(result).toMatchObject({ quant: "q8_0", source: "gguf", status: "pulled", bytes: content.length });
    expect(hub.contentRequests().map((r) => r.file)).toEqual(["Atlas-Chat-2B.Q8_0.gguf"]);
    expect(Buffer.compare(await readFile(result.path), content)).toBe(0);
    const manifest = await readManifest(join(result.path, "..", "manifest.json"));
    expect(manifest?.quants["q8_0"]).toMatchObject({
      source: "gguf",
      sourceFiles: [{ path: "Atlas-Chat-2B.Q8_0.gguf" }],
    });
    hub.reset();
    const again = await pullModel({
      model: "mock-org/Atlas-Chat-2B-GGUF",
      file: "Atlas-Chat-2B.Q8_0.gguf",
      env,
    });
    expect(again.status).toBe("up-to-date");
    expect(hub.contentRequests()).toEqual([]);
    await expect(
      pullModel({ model: "mock-org/Atlas-Chat-2B-GGUF", file: "nope.gguf", env }),
    ).rejects.toSatisfy((e) => isAtlasError(e, "NOT_FOUND") && e.message.includes("Atlas-Chat-2B.Q4_0.gguf"));
    await expect(
      pullModel({ model: "mock-org/Atlas-Chat-2B-GGUF", file: "Atlas-Chat-2B.Q4_0.gguf", env }),
    ).rejects.toSatisfy((e) => isAtlasError(e, "INVALID_MODEL"));
  });
});
