/** Two `atlas pull` of the same model at once, in two processes: both succeed, nothing is corrupted. */
import { spawn } from "node:child_process";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readGguf } from "../../src/convert/index.js";
import { listModels, readManifest, type PullResult } from "../../src/store/index.js";
import type { MockHub } from "../helpers/mock-hub.js";
import type { WrittenCheckpoint } from "../helpers/tiny-gemma2.js";
import { REPO, startTinyHub, testEnv } from "./fixtures.js";

let hub: MockHub;
let checkpoint: WrittenCheckpoint;

beforeAll(async () => {
  ({ hub, checkpoint } = await startTinyHub());
});
afterAll(() => hub.close());

function runChild(
  env: Record<string, string>,
  model: string,
  quant: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = fileURLToPath(new URL("./pull-child.ts", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, model, quant], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("concurrent pulls", () => {
  it("two processes pulling the same model both succeed; each file is downloaded once", async () => {
    const env = await testEnv(hub);
    // Hold the big shard back so the two processes overlap on it: one downloads, the other waits.
    hub.delayContent("model-00001-of-00002.safetensors", 1500);
    const runs = await Promise.all([
      runChild(env, "atlas-chat:2b", "q8_0"),
      runChild(env, "atlas-chat:2b", "q8_0"),
    ]);
    for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0 });
    const [a, b] = runs.map((r) => JSON.parse(r.stdout) as PullResult & { waited: boolean });
    expect([a?.waited, b?.waited]).toContain(true);
    expect(a?.path).toBe(b?.path);
    expect([a?.status, b?.status].sort()).toEqual(expect.arrayContaining(["pulled"]));
    const sha = hub.repo(REPO).refs.get("main") ?? "";
    const served = hub.repo(REPO).commits.get(sha);
    for (const name of checkpoint.files) {
      // Blob locks: the second process waited and found the file done, so the hub sent it once.
      expect(hub.servedBytes.get(name), name).toBe(served?.get(name)?.size);
      const cached = await readFile(
        join(env["HF_HUB_CACHE"] ?? "", "models--MBZUAI-Paris--Atlas-Chat-2B", "snapshots", sha, name),
      );
      expect(Buffer.compare(cached, Buffer.from(served?.get(name)?.content ?? []))).toBe(0);
    }
    // One valid GGUF, one manifest entry, no temp or lock files (nor an empty .locks folder) left behind.
    expect((await readGguf(a?.path ?? "")).tensors.length).toBeGreaterThan(0);
    const dir = join(a?.path ?? "", "..");
    expect((await readdir(dir)).sort()).toEqual(["manifest.json", "q8_0.gguf"]);
    expect(Object.keys((await readManifest(join(dir, "manifest.json")))?.quants ?? {})).toEqual(["q8_0"]);
    expect(await listModels({ env })).toHaveLength(1);
    const blobs = await readdir(
      join(env["HF_HUB_CACHE"] ?? "", "models--MBZUAI-Paris--Atlas-Chat-2B", "blobs"),
    );
    expect(blobs.filter((n) => n.endsWith(".incomplete"))).toEqual([]);
    expect(
      await readdir(join(env["HF_HUB_CACHE"] ?? "", ".locks", "models--MBZUAI-Paris--Atlas-Chat-2B")),
    ).toEqual([]);
  });
});
