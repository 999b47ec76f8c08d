/**
 * Benchmark for `atlas convert` (issue: foundation + convert). Converts a Hugging Face BF16 checkpoint
 * (generate one with `npx tsx test/helpers/make-model.ts --preset 2b --dtype bf16 --out /tmp/atlas-2b-bf16`)
 * to Q8_0 and Q4_K_M, recording wall time and peak RSS, and times llama.cpp's own `llama-quantize`
 * (BF16 GGUF → Q4_K_M) as the baseline for the K-quant path.
 *
 *   npx tsx bench/convert.ts --model /tmp/atlas-2b-bf16 [--llama-quantize /path/to/llama-quantize] [--threads 2]
 *
 * Writes bench/results/convert-<date>.json.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { machineInfo } from "./machine.js";
import { timedRun, type TimedRun } from "./timed-run.js";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    "llama-quantize": { type: "string" },
    threads: { type: "string", default: "2" },
    work: { type: "string", default: "/tmp" },
  },
});
if (values.model === undefined) throw new Error("--model <hf checkpoint folder> is required");
const root = resolve(new URL("..", import.meta.url).pathname);
const atlas = join(root, "bin", "atlas.js");
const work = mkdtempSync(join(values.work, "atlas-bench-convert-"));
const env = { ...process.env, ATLAS_THREADS: values.threads };

function convert(type: string): Promise<TimedRun> {
  const out = join(work, `${type}.gguf`);
  return timedRun(
    process.execPath,
    [atlas, "convert", values.model!, "-o", out, "--type", type, "--json", "--force", "--tmp-dir", work],
    env,
  );
}

const results: Record<string, unknown> = {};
try {
  for (const type of ["q8_0", "q4_k_m"]) {
    const run = await convert(type);
    if (run.exitCode !== 0) throw new Error(`atlas convert --type ${type} failed`);
    results[`atlas_convert_${type}`] = {
      wallSeconds: run.wallSeconds,
      peakRssMiB: run.peakRssMiB,
      bytes: statSync(join(work, `${type}.gguf`)).size,
    };
    console.log(type, run.wallSeconds, "s", run.peakRssMiB, "MiB");
  }
  if (values["llama-quantize"] !== undefined) {
    const bf16 = await convert("bf16");
    results["atlas_convert_bf16"] = { wallSeconds: bf16.wallSeconds, peakRssMiB: bf16.peakRssMiB };
    const baseline = await timedRun(values["llama-quantize"], [
      join(work, "bf16.gguf"),
      join(work, "llama-q4km.gguf"),
      "Q4_K_M",
      values.threads,
    ]);
    if (baseline.exitCode !== 0) throw new Error("llama-quantize failed");
    results["llama_quantize_bf16_to_q4_k_m"] = {
      wallSeconds: baseline.wallSeconds,
      peakRssMiB: baseline.peakRssMiB,
    };
    const ours = results["atlas_convert_q4_k_m"] as { wallSeconds: number };
    results["q4_k_m_ratio_vs_llama_quantize"] =
      Math.round((ours.wallSeconds / baseline.wallSeconds) * 100) / 100;
    console.log(
      "llama-quantize",
      baseline.wallSeconds,
      "s; ratio",
      results["q4_k_m_ratio_vs_llama_quantize"],
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const output = {
  benchmark: "convert",
  machine: machineInfo(),
  model: values.model,
  threads: Number(values.threads),
  results,
};
mkdirSync(join(root, "bench", "results"), { recursive: true });
const file = join(root, "bench", "results", `convert-${output.machine.date.slice(0, 10)}.json`);
writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);
console.log(`wrote ${file}`);
