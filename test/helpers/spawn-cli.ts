/**
 * Runs `atlas …` as a real process (from the sources, through tsx): what the in-process runner cannot
 * show — stdio that fails (a full device, a closed pipe), signals, several processes at once.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import type { Writable } from "node:stream";
import { closeSync, existsSync, openSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const ENTRY = fileURLToPath(new URL("./cli-entry.ts", import.meta.url));
/** tsx's loader by absolute URL, so a child started in another folder (`cwd`) finds it. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** True where /dev/full exists (Linux): writes to it fail with ENOSPC. */
export const HAVE_DEV_FULL = existsSync("/dev/full");

/** How a child ended, with what it wrote to the streams that were pipes. */
export interface SpawnedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when it had to be killed after `timeoutMs`: it hung. */
  hung: boolean;
}

export interface SpawnCliOptions {
  env?: Record<string, string | undefined>;
  /** "full": /dev/full; "closed": a pipe whose reading end is closed at once; default a pipe we read. */
  stdout?: "pipe" | "full" | "closed";
  stderr?: "pipe" | "full" | "closed";
  /** Text written to stdin (default: stdin is empty). */
  stdin?: string;
  /** Kill the child after this long and report `hung` (default 60 s). */
  timeoutMs?: number;
  /** Called once the child runs (to send it signals). */
  onSpawn?: (child: ChildProcess) => void;
  /** Called with each chunk of stderr while it runs. */
  onStderr?: (chunk: string) => void;
  /**
   * Pause the CLI at the first progress bar containing this text (see cli-entry.ts), call `onPause`
   * (send a signal there), then let it go on.
   */
  pauseOn?: string;
  onPause?: (child: ChildProcess) => void;
  /**
   * Run in a private mount namespace with a fresh tmpfs of `size` (e.g. "96k") mounted on `at` (an
   * existing folder), read-only if asked: a full or read-only file system without touching the host's.
   */
  tmpfs?: { at: string; size: string; readOnly?: boolean };
  /** Working folder of the child (default this process's). */
  cwd?: string;
}

/** True where a process may mount a tmpfs in its own namespace (`unshare -rm`, Linux). */
export const CAN_MOUNT_TMPFS =
  process.platform === "linux" &&
  spawnSync("unshare", ["-rm", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /tmp"], { stdio: "ignore" })
    .status === 0;

/** Spawns the CLI with `argv`. */
export function spawnCli(argv: string[], options: SpawnCliOptions = {}): Promise<SpawnedRun> {
  const fds: number[] = [];
  const stdio = (kind: "pipe" | "full" | "closed" | undefined): "pipe" | number => {
    if (kind !== "full") return "pipe";
    const fd = openSync("/dev/full", "w");
    fds.push(fd);
    return fd;
  };
  const pause = options.pauseOn === undefined ? {} : { ATLAS_TEST_PAUSE_ON: options.pauseOn, CI: undefined };
  const command = [process.execPath, "--import", TSX, ENTRY, ...argv];
  const mount = options.tmpfs;
  const [file = "", ...args] =
    mount === undefined
      ? command
      : [
          "unshare",
          "-rm",
          "sh",
          "-c",
          `mount -t tmpfs -o size=${mount.size}${mount.readOnly === true ? ",ro" : ""} tmpfs "$0" && exec "$@"`,
          mount.at,
          ...command,
        ];
  const child = spawn(file, args, {
    env: { ...process.env, ...options.env, ...pause },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdio: ["pipe", stdio(options.stdout), stdio(options.stderr), "pipe"],
  });
  for (const fd of fds) closeSync(fd);
  let stdout = "";
  let stderr = "";
  if (options.stdout === "closed") child.stdout?.destroy();
  else child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  if (options.stderr === "closed") child.stderr?.destroy();
  else
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      options.onStderr?.(d);
      if (options.pauseOn !== undefined && d.includes("<<paused>>")) {
        options.onPause?.(child);
        control.end("x");
      }
    });
  child.stdin?.end(options.stdin ?? "");
  const control = child.stdio[3] as Writable;
  control.on("error", () => {}); // the child may die (a test kills it) before reading it
  child.on("exit", () => control.destroy());
  options.onSpawn?.(child);
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill("SIGKILL");
  }, options.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, hung });
    });
  });
}
