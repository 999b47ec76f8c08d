/**
 * `atlas convert` onto a read-only and onto a full file system: a tmpfs mounted in the child's own
 * mount namespace (skipped where unprivileged namespaces are not allowed).
 */
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CAN_MOUNT_TMPFS, spawnCli } from "../helpers/spawn-cli.js";
import { tinyModel } from "../helpers/tiny-gguf.js";

let checkpoint: string;

beforeAll(async () => {
  checkpoint = (await tinyModel()).checkpoint.dir;
});

async function folder(): Promise<string> {
  return mkdtemp(join(process.env["ATLAS_TEST_TMP"] ?? "/tmp", "mnt-"));
}

describe.skipIf(!CAN_MOUNT_TMPFS)("convert onto a read-only or full file system", () => {
  it("-o into a new subfolder of a read-only file system: the IO code and 'read-only'", async () => {
    const at = await folder();
    const run = await spawnCli(["convert", checkpoint, "-o", join(at, "new", "out.gguf")], {
      tmpfs: { at, size: "1m", readOnly: true },
    });
    expect(run.code, run.stderr).toBe(6);
    expect(run.stderr).toMatch(/cannot create the output folder \(EROFS\) — the file system is read-only/);
  });

  it("the free-space check names sizes in sensible units", async () => {
    const at = await folder();
    const run = await spawnCli(["convert", checkpoint, "-o", join(at, "out.gguf"), "--type", "f32"], {
      tmpfs: { at, size: "64k" },
    });
    expect(run.code, run.stderr).toBe(6);
    expect(run.stderr).toMatch(
      /not enough disk space: the output needs about \d+ KB but only \d+(\.\d+)? KB is free/,
    );
  });

  it("a K-quant conversion running out of space mid-write: the IO code and 'no space left'", async () => {
    // 108 KB passes the estimate for a K-quant of the tiny model (~98 KB of tensor data) but not the real
    // file (~114 KB with its header).
    const at = await folder();
    const run = await spawnCli(["convert", checkpoint, "-o", join(at, "out.gguf"), "--type", "q4_k_m"], {
      tmpfs: { at, size: "108k" },
    });
    expect(run.code, run.stderr).toBe(6);
    expect(run.stderr).toMatch(/no space left on the device/);
  });
});
