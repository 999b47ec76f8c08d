/** The chat store survives its process being killed mid-write: what was committed stays, the rest goes. */
import { spawn } from "node:child_process";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { ChatStore } from "../../../src/server/ui/chat-store.js";

describe("ChatStore after a crash", () => {
  it("keeps every committed exchange when the writer is killed inside a transaction", async () => {
    const dir = mkdtempSync(join(process.env["ATLAS_TEST_TMP"] ?? tmpdir(), "chat-crash-"));
    const db = join(dir, "chat.db");
    const script = fileURLToPath(new URL("./store-writer-child.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", script, db, "25"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once("exit", (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString("utf8");
        if (out.includes("in-transaction\n")) resolve();
      });
      child.once("exit", () => reject(new Error(`the writer exited before blocking: ${err}`)));
    });
    // The open transaction spilled uncommitted pages into the WAL before the kill.
    expect(statSync(`${db}-wal`).size).toBeGreaterThan(4 * 1024 * 1024);
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const committed = out.split("\n").filter((l) => l.startsWith("committed ")).length;
    expect(committed).toBe(25);

    const raw = new Database(db);
    expect(raw.pragma("integrity_check", { simple: true })).toBe("ok");
    raw.close();
    const store = new ChatStore(db);
    try {
      const [conversation] = store.list();
      const thread = store.get(conversation!.id).thread;
      expect(thread).toHaveLength(50);
      expect(thread.at(-2)?.content).toBe("سؤال 24");
      expect(thread.at(-1)?.content).toBe("جواب 24");
      expect(store.search("uncommitted")).toEqual([]);
    } finally {
      store.close();
    }
  });
});
