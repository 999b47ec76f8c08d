/**
 * What every benchmark writes: one JSON file at the path given with `--out`, never overwriting an existing
 * file (a re-run must not silently replace a measurement), written to a temp name and renamed, with the
 * machine, the date and the exact command line. Figures are summarized as median with min/max and the
 * number of rounds — never a single best run.
 */
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { machineInfo } from "./machine.js";

/** median, min, max and the number of rounds of a list of measurements. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  rounds: number;
}

export function summarize(xs: readonly number[]): Summary {
  const sorted = [...xs].filter(Number.isFinite).sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median =
    sorted.length === 0
      ? Number.NaN
      : sorted.length % 2 === 1
        ? sorted[Math.floor(mid)]!
        : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN, rounds: sorted.length };
}

/** Share of rounds slower than `fraction` × the median (the "slow-round share"). */
export function slowShare(xs: readonly number[], fraction = 0.5): number {
  const m = summarize(xs).median;
  return xs.filter((x) => x < fraction * m).length / xs.length;
}

/** Fails early (before hours of measuring) when `out` is missing or already exists. */
export function checkOutput(out: string | undefined): string {
  if (out === undefined)
    throw new Error("--out <file.json> is required (benchmarks never write into the repo by default)");
  if (existsSync(out))
    throw new Error(`${out} exists; benchmarks never overwrite a measurement — choose another path`);
  return out;
}

/** Writes the result with the machine description and command line; refuses to overwrite. */
export function writeReport(out: string, result: Record<string, unknown>): void {
  checkOutput(out);
  const tmp = `${out}.${process.pid}.tmp`;
  const report = { machine: machineInfo(), command: process.argv.slice(1).join(" "), ...result };
  writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(tmp, out);
  console.log(`wrote ${out}`);
}
