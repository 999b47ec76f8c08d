import { mkdtemp, readFile, readdir, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readManifest, updateManifest, type ManifestQuant } from "./manifest.js";
import { storePaths } from "./store-layout.js";

const SHA = "a".repeat(40);
const entry = (quant: string): ManifestQuant => ({
  quant,
  file: `${quant}.gguf`,
  bytes: 1,
  createdAt: new Date().toISOString(),
  atlasVersion: "0.0.0",
  source: "converted",
  revision: "main",
  sourceFiles: [],
});

describe("manifest", () => {
  it("concurrent updates keep every entry (lock + atomic replace)", async () => {
    const home = await mkdtemp(join(process.env["ATLAS_TEST_TMP"] ?? "/tmp", "manifest-"));
    const quants = ["q8_0", "q4_k_m", "f16", "q6_k", "bf16"];
    await Promise.all(
      quants.map((q) =>
        updateManifest(home, "org/name", SHA, (m) => ({
          schema: 1,
          id: "org/name",
          sha: SHA,
          revisions: ["main"],
          quants: { ...m?.quants, [q]: entry(q) },
        })),
      ),
    );
    const path = storePaths(home).manifest("org/name", SHA);
    expect(Object.keys((await readManifest(path))?.quants ?? {}).sort()).toEqual([...quants].sort());
    expect((await readdir(join(path, ".."))).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    await updateManifest(home, "org/name", SHA, () => undefined);
    expect(await readManifest(path)).toBeUndefined();
  });

  it("a broken manifest reads as missing", async () => {
    const dir = await mkdtemp(join(process.env["ATLAS_TEST_TMP"] ?? "/tmp", "manifest-bad-"));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "manifest.json"), "{not json");
    expect(await readManifest(join(dir, "manifest.json"))).toBeUndefined();
    await writeFile(join(dir, "manifest.json"), '{"id": 3}');
    expect(await readManifest(join(dir, "manifest.json"))).toBeUndefined();
    expect(await readFile(join(dir, "manifest.json"), "utf8")).toBe('{"id": 3}');
  });

  it("store paths refuse unsafe names", () => {
    const paths = storePaths("/home/atlas");
    expect(paths.gguf("org/name", SHA, "q8_0")).toBe(`/home/atlas/models/org/name/${SHA}/q8_0.gguf`);
    expect(() => paths.gguf("org/name", SHA, "../x")).toThrow();
    expect(() => paths.gguf("org/name", "main", "q8_0")).toThrow();
    expect(() => paths.repoDir("../etc")).toThrow();
  });
});
