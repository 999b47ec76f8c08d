/** `atlas pull`, `atlas list`, `atlas rm` run in-process against the mock hub. */
import { readFile, readdir, readlink, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, type CliRun } from "../helpers/run-cli.js";
import type { MockHub } from "../helpers/mock-hub.js";
import { REPO, startTinyHub, testEnv } from "./fixtures.js";

let hub: MockHub;
const SHARD = "model-00001-of-00002.safetensors";

beforeAll(async () => {
  ({ hub } = await startTinyHub());
});
afterAll(() => hub.close());

function atlas(
  argv: string[],
  env: Record<string, string>,
  signal = new AbortController().signal,
): Promise<CliRun> {
  return runCli(argv, { env, signal });
}

describe("atlas pull / list / rm", () => {
  it("pull --json prints only the result object; list and rm see it", async () => {
    const env = await testEnv(hub);
    const pulled = await atlas(["pull", "atlas-chat:2b", "--quant", "q8_0", "--json"], env);
    expect(pulled.code).toBe(0);
    const result = JSON.parse(pulled.stdout) as { id: string; quant: string; path: string; status: string };
    expect(result).toMatchObject({ id: REPO, quant: "q8_0", status: "pulled" });

    const again = await atlas(["pull", "atlas-chat:2b", "-q", "q8_0"], env);
    expect(again.stdout).toMatch(
      /^up to date: MBZUAI-Paris\/Atlas-Chat-2B@[0-9a-f]{8} \(main\) q8_0 \(.+\) → /,
    );
    // Not a TTY: a few plain progress lines on stderr.
    expect(again.stderr).toContain("→");

    const listed = await atlas(["list", "--json"], env);
    expect((JSON.parse(listed.stdout) as { path: string }[]).map((m) => m.path)).toEqual([result.path]);
    const table = await atlas(["list"], env);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+REVISION\s+SHA\s+QUANT\s+SIZE\s+PATH$/);
    expect(table.stdout).toContain(result.path);

    const removed = await atlas(["rm", "atlas-chat:2b", "--json"], env);
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toMatchObject([{ id: REPO, quant: "q8_0" }]);
    expect((await atlas(["list"], env)).stdout).toContain("no models yet");
  });

  it("prints the gated-model message and exits with the AUTH code", async () => {
    const env = await testEnv(hub);
    delete env["HF_TOKEN"];
    const run = await atlas(["pull", "atlas-chat:2b"], env);
    expect(run.code).toBe(10);
    expect(run.stderr).toContain(
      `the model ${REPO} is gated — accept its license at ${hub.url}/${REPO} and set HF_TOKEN or run with --token`,
    );
  });

  it("maps a missing model to NOT_FOUND (3) and bad flags to usage (2)", async () => {
    const env = await testEnv(hub);
    const missing = await atlas(["pull", "nobody/Nothing"], env);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("no such model or revision: nobody/Nothing");
    expect((await atlas(["pull"], env)).code).toBe(2);
    expect((await atlas(["pull", "atlas-chat:2b", "--quant", "q9"], env)).code).toBe(2);
    expect((await atlas(["rm", "atlas-chat:2b", "--quant", "q8_0", "--all-quants"], env)).code).toBe(2);
    expect((await atlas(["rm", "atlas-chat:2b"], env)).code).toBe(3);
    const help = await atlas(["pull", "--help"], env);
    expect(help.stdout).toContain("atlas pull atlas-chat:9b --quant q8_0 --revision main");
  });

  it("says on stderr when a download stalls, resumes it, and counts files in words", async () => {
    const env = await testEnv(hub, { ATLAS_READ_TIMEOUT: "0.2" });
    hub.reset();
    const stalled = hub.stall(SHARD, 4096);
    const pull = atlas(["pull", "atlas-chat:2b", "-q", "q8_0"], env);
    await stalled;
    const run = await pull;
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/downloading \d+ files \(/);
    expect(run.stderr).toContain(`${SHARD}: no data for 0.2 s — resuming from 4.10 KB`);

    // Only one file missing from the cache now: "1 file", not "1 files".
    const snapshot = join(env["HF_HUB_CACHE"] ?? "", "models--MBZUAI-Paris--Atlas-Chat-2B", "snapshots");
    const [sha = ""] = await readdir(snapshot);
    const config = join(snapshot, sha, "config.json");
    await rm(join(snapshot, sha, await readlink(config)));
    await rm(config);
    const again = await atlas(["pull", "atlas-chat:2b", "-q", "f32"], env);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/downloading 1 file \(/);
  });

  it("a corrupt manifest.json is reported with its path and rebuilt: list, run and rm keep working", async () => {
    const env = await testEnv(hub);
    hub.reset();
    const pulled = await atlas(["pull", "atlas-chat:2b", "-q", "q8_0", "--json"], env);
    const { path } = JSON.parse(pulled.stdout) as { path: string };
    const manifest = join(path, "..", "manifest.json");
    const warning = new RegExp(
      `^warning: ${manifest.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: the manifest is corrupt`,
      "m",
    );

    await writeFile(manifest, '{"schema": 1, "id": "MBZUAI-Pa'); // cut short, as by a crash
    const listed = await atlas(["list"], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(path);
    expect(listed.stderr).toMatch(warning);
    expect(listed.stderr).toContain("not valid JSON");
    expect(listed.stderr).toContain("rebuilt it from the GGUF file present (q8_0)");
    expect(await readFile(`${manifest}.corrupt`, "utf8")).toContain("MBZUAI-Pa");
    expect((await atlas(["list"], env)).stderr).toBe(""); // rebuilt once, then quiet

    // A manifest pointing outside its folder is corrupt too, not followed.
    await writeFile(
      manifest,
      JSON.stringify({
        schema: 1,
        id: REPO,
        sha: "x",
        revisions: [],
        quants: { q8_0: { file: "../../../x.gguf" } },
      }),
    );
    const prompt = await atlas(["run", "atlas-chat:2b", "salam", "--print-prompt"], env);
    expect(prompt.code).toBe(0);
    expect(prompt.stderr).toMatch(warning);

    await writeFile(manifest, "[]");
    const removed = await atlas(["rm", "atlas-chat:2b"], env);
    expect(removed.code).toBe(0);
    expect(removed.stderr).toMatch(warning);
    expect((await atlas(["list"], env)).stdout).toContain("no models yet");
  });

  it("Ctrl-C stops the pull with exit code 130, and the next pull resumes", async () => {
    const env = await testEnv(hub);
    const controller = new AbortController();
    hub.reset();
    hub.delayContent("model-00001-of-00002.safetensors", 300);
    setTimeout(() => controller.abort(new Error("interrupted (Ctrl-C)")), 100);
    const interrupted = await atlas(["pull", "atlas-chat:2b", "-q", "q8_0"], env, controller.signal);
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain("run the same command again to resume");
    hub.reset();
    expect((await atlas(["pull", "atlas-chat:2b", "-q", "q8_0"], env)).code).toBe(0);
  });
});
