/**
 * Writes a generated Gemma-2 checkpoint folder, for benchmarks and manual runs:
 *
 *     npx tsx test/helpers/make-model.ts --preset tiny|mid|2b|9b --dtype bf16|f16|f32 --out <dir> [--seed N] [--shards N] [--tokenizer-json]
 *
 * Progress goes to stderr; the folder path is printed to stdout at the end.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { SafetensorsDtype } from "./safetensors-writer.js";
import {
  GEMMA2_2B_SHAPE,
  GEMMA2_9B_SHAPE,
  MID_SHAPE,
  TINY_SHAPE,
  writeGemma2Checkpoint,
  type Gemma2Shape,
} from "./tiny-gemma2.js";

const PRESETS: Record<string, Gemma2Shape> = {
  tiny: TINY_SHAPE,
  mid: MID_SHAPE,
  "2b": GEMMA2_2B_SHAPE,
  "9b": GEMMA2_9B_SHAPE,
};
const DTYPES: Record<string, SafetensorsDtype> = { bf16: "BF16", f16: "F16", f32: "F32" };
const USAGE =
  "usage: npx tsx test/helpers/make-model.ts --preset tiny|mid|2b|9b --dtype bf16|f16|f32 --out <dir> [--seed N] [--shards N] [--tokenizer-json]";

function fail(message: string): never {
  process.stderr.write(`make-model: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function integer(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a non-negative integer, got ${value}`);
  return n;
}

let args;
try {
  args = parseArgs({
    options: {
      preset: { type: "string", default: "tiny" },
      dtype: { type: "string", default: "bf16" },
      out: { type: "string" },
      seed: { type: "string" },
      shards: { type: "string" },
      "tokenizer-json": { type: "boolean", default: false },
    },
    strict: true,
  }).values;
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

const shape = PRESETS[args.preset] ?? fail(`unknown preset ${args.preset}`);
const dtype = DTYPES[args.dtype.toLowerCase()] ?? fail(`unknown dtype ${args.dtype}`);
if (args.out === undefined) fail("--out is required");
const out = resolve(args.out);

const started = Date.now();
let lastPercent = -1;
const checkpoint = await writeGemma2Checkpoint(out, {
  shape,
  dtype,
  seed: integer(args.seed, "seed", 0),
  shards: integer(args.shards, "shards", 2),
  tokenizerJson: args["tokenizer-json"],
  keepWeights: false,
  onProgress: (written, total) => {
    const percent = Math.floor((written / total) * 100);
    if (percent === lastPercent) return;
    lastPercent = percent;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(`\r${percent}% of ${(total / 1e9).toFixed(2)} GB, ${seconds}s`);
  },
});
const seconds = ((Date.now() - started) / 1000).toFixed(1);
process.stderr.write(
  `\nwrote ${checkpoint.files.length} files in ${seconds}s: ${checkpoint.files.join(", ")}\n`,
);
process.stdout.write(`${out}\n`);
