/** Runs a command under GNU time and returns wall time and peak RSS (largest of the process tree). */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TimedRun {
  command: string;
  wallSeconds: number;
  peakRssMiB: number;
  exitCode: number;
  stdout: string;
}

export async function timedRun(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<TimedRun> {
  const dir = mkdtempSync(join(tmpdir(), "atlas-bench-"));
  const report = join(dir, "time.txt");
  try {
    const child = spawn("/usr/bin/time", ["-f", "%e %M", "-o", report, command, ...args], {
      env,
      stdio: ["ignore", "pipe", "ignore"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    const exitCode = await new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
    const [wall, rssKiB] = readFileSync(report, "utf8").trim().split(/\s+/).slice(-2).map(Number);
    return {
      command: [command, ...args].join(" "),
      wallSeconds: wall!,
      peakRssMiB: Math.round(rssKiB! / 1024),
      exitCode,
      stdout,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
