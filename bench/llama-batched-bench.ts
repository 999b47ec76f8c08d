/** Runs llama.cpp's `llama-batched-bench` with the settings atlas's batched benchmarks mirror. */
import { execFileSync } from "node:child_process";

export interface BatchedBenchOptions {
  /** Path of the llama-batched-bench binary. */
  path: string;
  model: string;
  threads: number;
  /** New tokens per sequence (after a 2-token prompt). */
  tokens: number;
  /** Sequence counts to measure, e.g. [1, 2, 4]. */
  parallel: readonly number[];
}

/** Generation-phase throughput (S_TG, tokens/s) for each entry of `parallel`, in that order. */
export function runLlamaBatchedBench(o: BatchedBenchOptions): number[] {
  const args = [
    "-m",
    o.model,
    "-c",
    "2048",
    "-b",
    "512",
    "-ub",
    "512",
    "-npp",
    "2",
    "-ntg",
    String(o.tokens),
  ];
  args.push("-npl", o.parallel.join(","), "-t", String(o.threads), "-fa", "on", "--output-format", "jsonl");
  const text = execFileSync(o.path, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const byCount = new Map<number, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    const row = JSON.parse(line) as { pl: number; speed_tg: number };
    byCount.set(row.pl, row.speed_tg);
  }
  return o.parallel.map((n) => byCount.get(n) ?? Number.NaN);
}
