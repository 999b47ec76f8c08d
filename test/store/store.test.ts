/** resolveModel, listModels and removeModel on a store filled by real pulls from the mock hub. */
import { cp, readdir, stat, truncate, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAtlasError } from "../../src/core/index.js";
import { acquireLock } from "../../src/core/index.js";
import {
  listModels,
  pullModel,
  removeModel,
  resolveModel,
  storePaths,
  type ConvertFn,
} from "../../src/store/index.js";
import type { MockHub } from "../helpers/mock-hub.js";
import type { WrittenCheckpoint } from "../helpers/tiny-gemma2.js";
import { REPO, scratchDir, startTinyHub, testEnv } from "./fixtures.js";

let hub: MockHub;
let checkpoint: WrittenCheckpoint;

beforeAll(async () => {
  ({ hub, checkpoint } = await startTinyHub());
});
afterAll(() => hub.close());

describe("resolveModel", () => {
  it("finds pulled models by alias, id and quant, and says how to pull the others", async () => {
    const env = await testEnv(hub);
    await expect(resolveModel("atlas-chat:2b", { env })).rejects.toSatisfy(
      (e) =>
        isAtlasError(e, "NOT_FOUND") &&
        e.message.includes("model 'atlas-chat:2b' is not downloaded — run `atlas pull atlas-chat:2b`"),
    );
    const q8 = await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env });
    // Without a quant: the default one if stored, else the newest.
    expect(await resolveModel("atlas-chat:2b", { env })).toMatchObject({
      path: q8.path,
      source: "store",
      id: REPO,
      quant: "q8_0",
    });
    const q4 = await pullModel({ model: "atlas-chat:2b", env });
    expect((await resolveModel("MBZUAI-Paris/Atlas-Chat-2B", { env })).path).toBe(q4.path);
    expect((await resolveModel("atlas-chat:2b:q8_0", { env })).path).toBe(q8.path);
    expect((await resolveModel("atlas-chat:2b", { env, quant: "Q8_0" })).path).toBe(q8.path);
    await expect(resolveModel("atlas-chat:2b", { env, quant: "q6_k" })).rejects.toSatisfy(
      (e) =>
        isAtlasError(e, "NOT_FOUND") &&
        e.message.includes("(stored: q4_k_m, q8_0)") &&
        e.message.includes("run `atlas pull atlas-chat:2b --quant q6_k`"),
    );
    await expect(resolveModel("atlas-chat:9b", { env })).rejects.toSatisfy((e) =>
      isAtlasError(e, "NOT_FOUND"),
    );
    expect(hub.requests.filter((r) => r.url.includes("9B"))).toEqual([]);
  });

  it("uses a .gguf path as is and rejects files that are not GGUF", async () => {
    const env = await testEnv(hub);
    const pulled = await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env });
    expect(await resolveModel(pulled.path, { env })).toEqual({ path: pulled.path, source: "file" });
    await expect(resolveModel(join(checkpoint.dir, "config.json"), { env })).rejects.toSatisfy((e) =>
      isAtlasError(e, "INVALID_MODEL"),
    );
    await expect(resolveModel("./no/such/model.gguf", { env })).rejects.toSatisfy((e) =>
      isAtlasError(e, "NOT_FOUND"),
    );
  });

  it("converts a local checkpoint folder once, and again when it changes", async () => {
    const env = await testEnv(hub);
    const folder = join(await scratchDir("local"), "my-model");
    await cp(checkpoint.dir, folder, { recursive: true });
    let conversions = 0;
    const { convertModel } = await import("../../src/convert/index.js");
    const counting: ConvertFn = (options) => {
      conversions++;
      return convertModel(options);
    };
    const first = await resolveModel(folder, { env, quant: "q8_0", convert: counting });
    expect(first).toMatchObject({ source: "converted", quant: "q8_0" });
    expect(first.path.startsWith(join(env["ATLAS_HOME"] ?? "", "converted"))).toBe(true);
    expect((await resolveModel(folder, { env, quant: "q8_0", convert: counting })).path).toBe(first.path);
    expect(conversions).toBe(1);
    // Touch the checkpoint: a new fingerprint, a new conversion, the stale one removed.
    const later = new Date(Date.now() + 5000);
    await utimes(join(folder, "config.json"), later, later);
    const second = await resolveModel(folder, { env, quant: "q8_0", convert: counting });
    expect(conversions).toBe(2);
    expect(second.path).not.toBe(first.path);
    await expect(stat(first.path)).rejects.toThrow();
    expect(await readdir(join(env["ATLAS_HOME"] ?? "", "converted"))).toHaveLength(1);
    // A checkpoint that fails to convert leaves no empty folder (nor `.locks/`) in converted/.
    const broken = join(await scratchDir("broken"), "my-model");
    await cp(checkpoint.dir, broken, { recursive: true });
    const [weights = ""] = (await readdir(broken)).filter((n) => n.endsWith(".safetensors"));
    await truncate(join(broken, weights), 100);
    await expect(resolveModel(broken, { env, quant: "q8_0" })).rejects.toSatisfy((e) =>
      isAtlasError(e, "INVALID_MODEL"),
    );
    expect(await readdir(join(env["ATLAS_HOME"] ?? "", "converted"))).toHaveLength(1);
    // A folder that is not a checkpoint.
    const empty = await scratchDir("not-a-checkpoint");
    await writeFile(join(empty, "notes.txt"), "hi");
    await expect(resolveModel(empty, { env })).rejects.toSatisfy(
      (e) => isAtlasError(e, "NOT_FOUND") && e.message.includes("no config.json"),
    );
  });
});

describe("listModels and removeModel", () => {
  it("lists stored models and removes one quant, then all", async () => {
    const env = await testEnv(hub);
    expect(await listModels({ env })).toEqual([]);
    const q8 = await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env });
    const f16 = await pullModel({ model: "atlas-chat:2b", quant: "f16", env });
    const listed = await listModels({ env });
    expect(listed.map((m) => [m.id, m.quant, m.path, m.bytes])).toEqual([
      [REPO, "f16", f16.path, f16.bytes],
      [REPO, "q8_0", q8.path, q8.bytes],
    ]);
    expect(listed[0]).toMatchObject({ revisions: ["main"], sha: q8.sha, source: "converted" });

    await expect(removeModel("atlas-chat:2b", { env })).rejects.toSatisfy(
      (e) =>
        isAtlasError(e, "BAD_ARGUMENT") &&
        e.message.includes("f16, q8_0") &&
        e.message.includes("--all-quants"),
    );
    await expect(removeModel("atlas-chat:2b", { env, quant: "q6_k" })).rejects.toSatisfy((e) =>
      isAtlasError(e, "NOT_FOUND"),
    );
    await expect(removeModel("atlas-chat:9b", { env })).rejects.toSatisfy((e) =>
      isAtlasError(e, "NOT_FOUND"),
    );
    await expect(removeModel(checkpoint.dir, { env })).rejects.toSatisfy((e) =>
      isAtlasError(e, "BAD_ARGUMENT"),
    );

    // A pull writing the quant holds its lock: rm says BUSY instead of racing.
    const paths = storePaths(env["ATLAS_HOME"] ?? "");
    const held = await acquireLock(paths.quantLock(REPO, q8.sha ?? "", "q8_0"));
    await expect(removeModel("atlas-chat:2b:q8_0", { env, lockTimeoutMs: 20 })).rejects.toSatisfy((e) =>
      isAtlasError(e, "BUSY"),
    );
    await held.release();

    const removed = await removeModel("atlas-chat:2b:q8_0", { env });
    expect(removed).toEqual([{ id: REPO, sha: q8.sha, quant: "q8_0", path: q8.path, bytes: q8.bytes }]);
    await expect(stat(q8.path)).rejects.toThrow();
    expect((await listModels({ env })).map((m) => m.quant)).toEqual(["f16"]);
    // One quant left: rm without --quant removes it, and the emptied folders go too.
    expect((await removeModel("MBZUAI-Paris/Atlas-Chat-2B", { env })).map((r) => r.quant)).toEqual(["f16"]);
    expect(await readdir(paths.models)).toEqual([]);
    // The HF cache is left alone.
    expect(
      (await readdir(join(env["HF_HUB_CACHE"] ?? "", "models--MBZUAI-Paris--Atlas-Chat-2B", "blobs"))).length,
    ).toBeGreaterThan(0);

    await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env });
    await pullModel({ model: "atlas-chat:2b", quant: "q4_0", env });
    expect((await removeModel("atlas-chat:2b", { env, allQuants: true })).map((r) => r.quant).sort()).toEqual(
      ["q4_0", "q8_0"],
    );
    expect(await listModels({ env })).toEqual([]);
  });

  it("moves a branch name to the newest commit it was pulled at", async () => {
    const env = await testEnv(hub);
    const first = await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env });
    const repo = hub.repo(REPO);
    const oldSha = repo.refs.get("main") ?? "";
    // Push a new commit to main (same files, new sha).
    const newSha = "f".repeat(40);
    const files = repo.commits.get(oldSha);
    if (files === undefined) throw new Error("no commit");
    repo.commits.set(newSha, files);
    repo.refs.set("main", newSha);
    try {
      const second = await pullModel({ model: "atlas-chat:2b", quant: "q8_0", env });
      expect(second.sha).toBe(newSha);
      expect(second.downloadedBytes).toBe(0);
      const listed = await listModels({ env });
      expect(listed.map((m) => [m.sha, m.revisions])).toEqual([
        [newSha, ["main"]],
        [oldSha, []],
      ]);
      expect((await resolveModel("atlas-chat:2b:q8_0", { env })).path).toBe(second.path);
      expect(second.path).not.toBe(first.path);
    } finally {
      repo.refs.set("main", oldSha);
      repo.commits.delete(newSha);
    }
  });
});
