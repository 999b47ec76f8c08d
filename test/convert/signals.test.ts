/**
 * Signals during `atlas convert`, in a real process stopped at a known point (see cli-entry.ts): the
 * output folder must hold nothing afterwards — no hidden temp file, no lock —
 * and a conversion killed outright (SIGKILL) has its leftovers swept by the next one.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { convertModel } from "../../src/convert/index.js";
import { tempPathFor } from "../../src/core/index.js";
import { spawnCli } from "../helpers/spawn-cli.js";
import { tinyModel } from "../helpers/tiny-gguf.js";

let checkpoint: string;

beforeAll(async () => {
  checkpoint = (await tinyModel()).checkpoint.dir;
});

async function outputFolder(): Promise<string> {
  return mkdtemp(join(process.env["ATLAS_TEST_TMP"] ?? "/tmp", "signals-"));
}

/** A pid that surely belongs to no running process: one that just exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid ?? 0;
}

describe.skipIf(process.platform !== "linux")("signals during atlas convert", () => {
  it.each([
    ["SIGTERM", "f32", "converting", 143],
    ["SIGHUP", "q4_k_m", "converting", 129],
    ["SIGTERM", "q6_k", "converting", 143],
  ] as const)("%s during %s at '%s': exit %i, nothing left behind", async (signal, type, phase, code) => {
    const dir = await outputFolder();
    const run = await spawnCli(["convert", checkpoint, "-o", join(dir, "out.gguf"), "--type", type], {
      pauseOn: phase,
      onPause: (child) => child.kill(signal),
      timeoutMs: 15_000,
    });
    expect(run.hung, run.stderr).toBe(false);
    expect(run.code, run.stderr).toBe(code);
    expect(run.stderr).toMatch(/cancelled|stopped by/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("a second signal exits at once, by that signal, still removing the temp files", async () => {
    const dir = await outputFolder();
    const run = await spawnCli(["convert", checkpoint, "-o", join(dir, "out.gguf"), "--type", "q4_k_m"], {
      pauseOn: "converting",
      // Two different signals: two of the same kind sent together would merge into one.
      onPause: (child) => {
        child.kill("SIGTERM");
        child.kill("SIGHUP");
      },
    });
    expect(run.hung).toBe(false);
    expect(run.code).toBeNull();
    expect(["SIGTERM", "SIGHUP"]).toContain(run.signal);
    expect(await readdir(dir)).toEqual([]);
  });

  it("the leftovers of a conversion killed outright are swept by the next one into that folder", async () => {
    const dir = await outputFolder();
    const killed = await spawnCli(["convert", checkpoint, "-o", join(dir, "a.gguf"), "--type", "q4_k_m"], {
      pauseOn: "converting",
      onPause: (child) => child.kill("SIGKILL"),
    });
    expect(killed.signal).toBe("SIGKILL");
    const left = await readdir(dir);
    expect(left.some((name) => name.startsWith(".a.gguf.") && !name.endsWith(".atlas-lock"))).toBe(true);
    expect(left).toContain(".a.gguf.atlas-lock");

    // Also a temp file of another dead process, and one of a live process (this one) that must stay.
    const dead = tempPathFor(join(dir, "b.gguf")).replace(`-${process.pid}-`, `-${await deadPid()}-`);
    const live = tempPathFor(join(dir, "c.gguf"));
    await writeFile(dead, "partial");
    await writeFile(live, "in progress");
    await mkdir(join(dir, "unrelated"));

    await convertModel({ input: checkpoint, output: join(dir, "d.gguf"), type: "f32" });
    expect((await readdir(dir)).sort()).toEqual([
      ".c.gguf" + live.split(".c.gguf")[1],
      "d.gguf",
      "unrelated",
    ]);
  });
});

describe("concurrent atlas convert runs to one output", () => {
  it("three at once without --force: exactly one writes it, the others say it exists or is being written", async () => {
    const dir = await outputFolder();
    const output = join(dir, "same.gguf");
    const runs = await Promise.all(
      [0, 1, 2].map(() => spawnCli(["convert", checkpoint, "-o", output, "--type", "q8_0"])),
    );
    const winners = runs.filter((r) => r.code === 0);
    expect(winners).toHaveLength(1);
    expect(winners[0]?.stdout).toMatch(/^wrote /);
    for (const loser of runs.filter((r) => r.code !== 0)) {
      expect([2, 12]).toContain(loser.code);
      expect(loser.stderr).toMatch(/already exists|is being written by another conversion/);
      expect(loser.stdout).toBe("");
    }
    expect(await readdir(dir)).toEqual(["same.gguf"]);
  });
});
