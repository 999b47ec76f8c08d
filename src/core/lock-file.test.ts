import { spawn } from "node:child_process";
import { mkdtemp, readFile, readdir, stat, writeFile, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isAtlasError } from "./errors.js";
import { acquireLock, withLock } from "./lock-file.js";

async function dir(): Promise<string> {
  return mkdtemp(join(process.env["ATLAS_TEST_TMP"] ?? "/tmp", "lock-"));
}

/** The pid of a process that has exited (pid reuse within the test is practically impossible). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  const pid = child.pid ?? 0;
  await new Promise((resolve) => child.on("exit", resolve));
  return pid;
}

describe("acquireLock", () => {
  it("writes owner info, and release removes the file", async () => {
    const path = join(await dir(), "sub", "a.lock");
    const lock = await acquireLock(path, { purpose: "test" });
    const holder = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    expect(holder).toMatchObject({ pid: process.pid, host: hostname(), purpose: "test" });
    await lock.release();
    await lock.release();
    await expect(stat(path)).rejects.toThrow();
  });

  it("serialises holders: the second waits until the first releases", async () => {
    const path = join(await dir(), "b.lock");
    const order: string[] = [];
    let waited = false;
    const first = await acquireLock(path);
    const second = withLock(path, { pollMs: 5, onWait: () => (waited = true) }, () => {
      order.push("second");
      return Promise.resolve();
    });
    await new Promise((r) => setTimeout(r, 30));
    order.push("first-done");
    await first.release();
    await second;
    expect(order).toEqual(["first-done", "second"]);
    expect(waited).toBe(true);
  });

  it("fails with BUSY naming the holder after the timeout", async () => {
    const path = join(await dir(), "c.lock");
    const held = await acquireLock(path, { purpose: "download of x" });
    await expect(acquireLock(path, { timeoutMs: 30, pollMs: 5 })).rejects.toSatisfy(
      (e) =>
        isAtlasError(e, "BUSY") &&
        e.message.includes(`process ${process.pid}`) &&
        e.message.includes("download of x"),
    );
    await held.release();
  });

  it("takes over a lock whose process is dead", async () => {
    const folder = await dir();
    const path = join(folder, "d.lock");
    const pid = await deadPid();
    await writeFile(
      path,
      JSON.stringify({ pid, host: hostname(), createdAt: new Date().toISOString(), token: "x" }),
    );
    const lock = await acquireLock(path, { timeoutMs: 1000, pollMs: 5 });
    expect(JSON.parse(await readFile(path, "utf8"))).toMatchObject({ pid: process.pid });
    await lock.release();
    expect((await readdir(folder)).filter((n) => n.includes(".stale") || n.endsWith(".tmp"))).toEqual([]);
  });

  it("takes over a lock whose heartbeat stopped (other host)", async () => {
    const path = join(await dir(), "e.lock");
    await writeFile(
      path,
      JSON.stringify({ pid: 1, host: "elsewhere", createdAt: "2020-01-01T00:00:00Z", token: "y" }),
    );
    const old = new Date(Date.now() - 120_000);
    await utimes(path, old, old);
    const lock = await acquireLock(path, { timeoutMs: 1000, pollMs: 5 });
    await lock.release();
  });

  it("treats an old empty lock file (Python's filelock leftover) as free", async () => {
    const path = join(await dir(), "f.lock");
    await writeFile(path, "");
    const old = new Date(Date.now() - 10_000);
    await utimes(path, old, old);
    const lock = await acquireLock(path, { timeoutMs: 1000, pollMs: 5 });
    await lock.release();
  });

  it("does not remove a lock that was taken over by someone else", async () => {
    const path = join(await dir(), "g.lock");
    const lock = await acquireLock(path);
    await writeFile(
      path,
      JSON.stringify({ pid: process.pid, host: hostname(), createdAt: "", token: "other" }),
    );
    await lock.release();
    expect(JSON.parse(await readFile(path, "utf8"))).toMatchObject({ token: "other" });
  });

  it("stops waiting when aborted", async () => {
    const path = join(await dir(), "h.lock");
    const held = await acquireLock(path);
    const controller = new AbortController();
    const waiting = acquireLock(path, { pollMs: 5, signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toSatisfy((e) => isAtlasError(e, "ABORTED"));
    await held.release();
  });
});
