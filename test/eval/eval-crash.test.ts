/**
 * A crash mid-run: `atlas eval` in a child process is killed with SIGKILL once some requests are in the
 * SQLite cache; `--resume` then computes exactly the requests that had not finished.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import type { ResultsJson } from "../../src/eval/index.js";
import { writeEvalFixtures } from "../helpers/eval-fixtures.js";
import { runCli } from "../helpers/run-cli.js";
import { tinyModel } from "../helpers/tiny-gguf.js";
import { scratchDir } from "../hub/fixtures.js";

let gguf: string;
let scratch: string;

beforeAll(async () => {
  gguf = await (await tinyModel()).gguf("f32");
  scratch = await scratchDir("eval-crash");
  await writeEvalFixtures(join(scratch, "data"), 3);
});

function finishedRequests(cache: string): number {
  try {
    const db = new Database(cache, { readonly: true, fileMustExist: true });
    try {
      return db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM responses").get()?.n ?? 0;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not created yet, or the table is not there yet
  }
}

describe("atlas eval after a crash", () => {
  it("--resume recomputes only what had not finished when the process was killed", async () => {
    const out = join(scratch, "run");
    const cache = join(out, "requests.sqlite");
    // 3 belebele items, then 6 generations of up to 256 tokens, one at a time: long enough to be killed in.
    const argv = [
      "eval",
      "--model",
      gguf,
      "--tasks",
      "belebele_ary,darija_transliteration_dr_ar,darija_transliteration_ar_dr",
      "--data-dir",
      join(scratch, "data"),
      "-o",
      out,
      "--gpu",
      "cpu",
      "--threads",
      "1",
      "--ctx-size",
      "1024",
      "--sequences",
      "1",
      "--concurrency",
      "1",
    ];
    const script = fileURLToPath(new URL("./eval-child.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", script, ...argv], {
      env: { ...process.env, ATLAS_HOME: scratch },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Wait (bounded) for the first requests to be committed, then kill without warning.
    const deadline = Date.now() + 120_000;
    while (finishedRequests(cache) < 4 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (child.exitCode !== null) break;
    }
    child.kill("SIGKILL");
    const code = await exited;
    expect(code, `the child finished before it could be killed: ${stderr}`).toBeNull();
    const finished = finishedRequests(cache);
    expect(finished).toBeGreaterThanOrEqual(4);
    const total = 3 + 3 + 3;
    expect(finished).toBeLessThan(total);

    const resumed = await runCli([...argv, "--resume"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const stats = (JSON.parse(await readFile(join(out, "results.json"), "utf8")) as ResultsJson).atlas_stats;
    expect(stats).toMatchObject({ requests: total, cached: finished, computed: total - finished });
  }, 300_000);
});
