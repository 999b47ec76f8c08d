/**
 * `bin/atlas.js` from the sources, for tests that need a real process (signals, broken stdio).
 *
 * `ATLAS_TEST_PAUSE_ON=<text>`: a test hook for stopping the CLI at a known point without sleeping.
 * stderr pretends to be a terminal so progress bars are drawn; the first bar containing <text> makes the
 * process freeze its own child processes, print `<<paused>>` and block on a read of fd 3. The test sends its signal,
 * then writes a byte to fd 3: the CLI resumes with the signal already pending, so it is handled at
 * the very next turn of the event loop.
 */
import { readFileSync, readSync, readdirSync, writeSync } from "node:fs";
import { main } from "../../src/cli/main.js";

const pauseOn = process.env["ATLAS_TEST_PAUSE_ON"];
let paused = false;

function pause(): void {
  if (paused) return;
  paused = true;
  const stopped = childPids();
  for (const pid of stopped) process.kill(pid, "SIGSTOP");
  writeSync(2, "\n<<paused>>\n");
  readSync(3, Buffer.alloc(1));
  // Let them go on: a child left stopped (tsx's esbuild service, for one) would keep our stdio pipes
  // open after we exit, and the test would wait for them forever.
  for (const pid of stopped) {
    try {
      process.kill(pid, "SIGCONT");
    } catch {
      // already gone
    }
  }
}

if (pauseOn !== undefined) {
  Object.assign(process.stderr, { isTTY: true, columns: 120 });
  const stderr = process.stderr;
  const original = stderr.write.bind(stderr);
  stderr.write = (chunk: string | Uint8Array): boolean => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (text.includes(pauseOn)) pause();
    return original(text);
  };
}

/** Processes whose parent is this one (Linux /proc). */
function childPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

process.exitCode = await main(process.argv.slice(2));
