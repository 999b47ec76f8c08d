/**
 * Real processes whose stdout or stderr fails: a full device (/dev/full: every write fails with ENOSPC)
 * or a closed pipe. A failing log line must never stop or hang the work; a failing stdout ends the
 * command with one line and the IO exit code (quietly with 0 when the reader went away).
 *
 * The model commands run with `--gpu auto` on purpose: on a machine without a GPU, the "no GPU found"
 * notice is written to stderr right before llama.cpp loads the model on a worker thread — the moment a
 * failed write used to hang the process for good.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { HAVE_DEV_FULL, spawnCli, type SpawnedRun } from "../helpers/spawn-cli.js";
import { tinyModel } from "../helpers/tiny-gguf.js";

let gguf: string;
const SMALL = ["--ctx-size", "256", "--threads", "2", "--max-tokens", "3", "--temperature", "0"];
const env = { ATLAS_HOME: join(process.env["ATLAS_TEST_TMP"] ?? "/tmp", `home-broken-${process.pid}`) };
// A hang is what these tests guard against: give up long before vitest would.
const timeoutMs = 45_000;

beforeAll(async () => {
  gguf = await (await tinyModel()).gguf("f32");
});

function finished(run: SpawnedRun): void {
  expect(run.hung, `the process hung; stderr: ${run.stderr}`).toBe(false);
  expect(run.signal).toBeNull();
}

describe.skipIf(!HAVE_DEV_FULL)("stderr that cannot be written", () => {
  it("run still answers when stderr is a full device", async () => {
    const run = await spawnCli(["run", gguf, "salam", ...SMALL], { stderr: "full", env, timeoutMs });
    finished(run);
    expect(run.code).toBe(0);
    expect(run.stdout.length).toBeGreaterThan(1);
  });

  it("run still answers when stderr is a closed pipe", async () => {
    const run = await spawnCli(["run", gguf, "salam", ...SMALL], { stderr: "closed", env, timeoutMs });
    finished(run);
    expect(run.code).toBe(0);
    expect(run.stdout.length).toBeGreaterThan(1);
  });

  it("sentiment still answers when stderr is a full device", async () => {
    const run = await spawnCli(["sentiment", "-m", gguf, "zwin bzaf", "--ctx-size", "256"], {
      stderr: "full",
      env,
      timeoutMs,
    });
    finished(run);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^(positive|negative|neutral)$/);
  });

  it("an error path (a truncated GGUF) still exits with its code", async () => {
    const truncated = join(process.env["ATLAS_TEST_TMP"] ?? "/tmp", `truncated-${process.pid}.gguf`);
    const { readFile } = await import("node:fs/promises");
    await writeFile(truncated, (await readFile(gguf)).subarray(0, 4096));
    const run = await spawnCli(["run", truncated, "salam", ...SMALL], { stderr: "full", env, timeoutMs });
    finished(run);
    expect(run.code).toBe(4);
  });
});

describe.skipIf(!HAVE_DEV_FULL)("stdout that cannot be written", () => {
  const oneLineIoError = (run: SpawnedRun): void => {
    finished(run);
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(
      /^error: stdout: cannot write the output \(ENOSPC\) — no space left on the device/m,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(run.stderr).not.toMatch(/internal error/);
  };

  it("inspect > /dev/full: one line and the IO exit code", async () => {
    oneLineIoError(await spawnCli(["inspect", gguf], { stdout: "full", env, timeoutMs }));
  });

  it("env > /dev/full: one line and the IO exit code", async () => {
    oneLineIoError(await spawnCli(["env"], { stdout: "full", env, timeoutMs }));
  });

  it("run and run --json > /dev/full: one line and the IO exit code", async () => {
    oneLineIoError(await spawnCli(["run", gguf, "salam", ...SMALL], { stdout: "full", env, timeoutMs }));
    oneLineIoError(
      await spawnCli(["run", gguf, "salam", "--json", ...SMALL], { stdout: "full", env, timeoutMs }),
    );
  });

  it("run > /dev/full 2>&1 (both streams failing) exits with the IO code", async () => {
    const run = await spawnCli(["run", gguf, "salam", ...SMALL], {
      stdout: "full",
      stderr: "full",
      env,
      timeoutMs,
    });
    finished(run);
    expect(run.code).toBe(6);
  });

  it("a reader that went away (closed pipe) ends the command quietly with 0", async () => {
    const run = await spawnCli(["inspect", gguf, "--tensors"], { stdout: "closed", env, timeoutMs });
    finished(run);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
  });
});
