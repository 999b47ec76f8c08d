/**
 * Benchmark for `atlas convert` (issues 2 and 13). From a Hugging Face BF16 checkpoint (generate one with
 * `npx tsx test/helpers/make-model.ts --preset 2b --dtype bf16 --out /tmp/atlas-2b-bf16`):
 *   - `atlas convert --type bf16` and `--type q8_0`, once each;
 *   - `atlas convert --type q4_k_m` (one pass) and llama.cpp's `llama-quantize` BF16 GGUF → Q4_K_M,
 *     alternating for `--rounds` rounds; the ratio is atlas end to end (safetensors in) over
 *     llama-quantize alone (its BF16 GGUF input already written).
 * With `--cold`, the page cache is dropped before every run (needs root: /proc/sys/vm/drop_caches);
 * otherwise the inputs are likely cached and the JSON says so. Wall time and peak RSS of the whole process
 * tree (`/usr/bin/time`).
 *
 *   npx tsx bench/convert.ts --model /tmp/atlas-2b-bf16 --llama-quantize …/llama-quantize --out /tmp/convert.json \
 *     [--threads 2] [--rounds 3] [--cold]
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { checkOutput, summarize, writeReport } from "./report.js";
import { timedRun, type TimedRun } from "./timed-run.js";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    "llama-quantize": { type: "string" },
    threads: { type: "string", default: "2" },
    rounds: { type: "string", default: "3" },
    work: { type: "string", default: "/tmp" },
    cold: { type: "boolean", default: false },
    out: { type: "string" },
  },
});
const out = checkOutput(values.out);
if (values.model === undefined || values["llama-quantize"] === undefined)
  throw new Error("--model <hf checkpoint folder> and --llama-quantize <path> are required");
const root = resolve(new URL("..", import.meta.url).pathname);
const atlas = join(root, "bin", "atlas.js");
const work = mkdtempSync(join(values.work, "atlas-bench-convert-"));
const env = { ...process.env, ATLAS_THREADS: values.threads };

function dropCaches(): void {
  if (!values.cold) return;
  writeFileSync("/proc/sys/vm/drop_caches", "3\n");
}

async function convert(type: string, name = type): Promise<TimedRun> {
  dropCaches();
  const run = await timedRun(
    process.execPath,
    [atlas, "convert", values.model!, "-o", join(work, `${name}.gguf`), "--type", type, "--json", "--force"],
    env,
  );
  if (run.exitCode !== 0) throw new Error(`atlas convert --type ${type} failed`);
  return run;
}

const single: Record<string, unknown> = {};
const atlasQ4: number[] = [];
const llamaQ4: number[] = [];
const rss: Record<string, number> = {};
try {
  for (const type of ["bf16", "q8_0"]) {
    const run = await convert(type);
    single[type] = {
      wallSeconds: run.wallSeconds,
      peakRssMiB: run.peakRssMiB,
      bytes: statSync(join(work, `${type}.gguf`)).size,
    };
    console.log(type, run.wallSeconds, "s", run.peakRssMiB, "MiB");
  }
  for (let round = 0; round < Number(values.rounds); round++) {
    const order = round % 2 === 0 ? ["atlas", "llama"] : ["llama", "atlas"];
    for (const side of order) {
      if (side === "atlas") {
        const run = await convert("q4_k_m");
        atlasQ4.push(run.wallSeconds);
        rss.atlas = Math.max(rss.atlas ?? 0, run.peakRssMiB);
      } else {
        dropCaches();
        const run = await timedRun(values["llama-quantize"], [
          join(work, "bf16.gguf"),
          join(work, "llama-q4km.gguf"),
          "Q4_K_M",
          values.threads,
        ]);
        if (run.exitCode !== 0) throw new Error("llama-quantize failed");
        llamaQ4.push(run.wallSeconds);
        rss.llama = Math.max(rss.llama ?? 0, run.peakRssMiB);
      }
      console.log(`round ${round + 1} ${side}: ${(side === "atlas" ? atlasQ4 : llamaQ4).at(-1)} s`);
    }
  }
  const sizes = {
    atlas: statSync(join(work, "q4_k_m.gguf")).size,
    llama: statSync(join(work, "llama-q4km.gguf")).size,
  };
  const a = summarize(atlasQ4);
  const l = summarize(llamaQ4);
  writeReport(out, {
    benchmark: "convert",
    model: values.model,
    threads: Number(values.threads),
    pageCache: values.cold ? "dropped before every run" : "not dropped (inputs likely cached)",
    single,
    q4_k_m: {
      atlasEndToEndSeconds: a,
      llamaQuantizeAloneSeconds: l,
      ratioOfMedians: a.median / l.median,
      perRoundRatios: atlasQ4.map((x, i) => x / llamaQ4[i]!),
      peakRssMiB: rss,
      bytes: sizes,
    },
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
