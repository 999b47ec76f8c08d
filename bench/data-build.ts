/**
 * Benchmark for `atlas data build` (issue 12): rows per second and peak RSS on a generated 100k-row
 * chat mixture (parquet shards with `messages` and `source`, 1–3 turns of Darija/Arabizi/French text,
 * 2% far longer than --max-len), tokenized with a generated Gemma-2 tokenizer whose vocabulary has the
 * real model's 256,000 ids, of which, as in Gemma, 99 padding pieces are CONTROL (`--control-padding`;
 * llama.cpp scans the text for every CONTROL piece, so a vocabulary padded with 255,000 of them measures
 * that scan, not the build). Each build runs in its own `atlas` process under GNU time (peak RSS of the
 * whole process); unpacked and --pack, alternating, for --rounds rounds.
 *
 *   npx tsx bench/data-build.ts --out bench/results/data-build-<date>.json [--rows 100000] [--rounds 2]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parquetWriteBuffer } from "hyparquet-writer";
import { CORPUS_LINES } from "../test/helpers/corpus.js";
import { Rng } from "../test/helpers/rng.js";
import { TINY_SHAPE, writeGemma2Checkpoint } from "../test/helpers/tiny-gemma2.js";
import { checkOutput, summarize, writeReport } from "./report.js";
import { timedRun } from "./timed-run.js";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "100000" },
    "control-padding": { type: "string", default: "99" },
    files: { type: "string", default: "4" },
    rounds: { type: "string", default: "2" },
    "max-len": { type: "string", default: "2048" },
    work: { type: "string", default: "/tmp" },
    out: { type: "string" },
  },
});
const out = checkOutput(values.out);
const rows = Number(values.rows);
const files = Number(values.files);
const root = resolve(new URL("..", import.meta.url).pathname);
const atlas = join(root, "bin", "atlas.js");
const work = mkdtempSync(join(values.work, "atlas-bench-data-"));

/** One conversation: 1–3 turns of 1–12 corpus lines, 2% with a reply far past --max-len. */
function conversation(rng: Rng): { role: string; content: string }[] {
  const text = (lines: number): string =>
    Array.from({ length: lines }, () => CORPUS_LINES[rng.int(CORPUS_LINES.length)]!).join(" ");
  const messages = [];
  const turns = 1 + rng.int(3);
  for (let t = 0; t < turns; t++) {
    messages.push({ role: "user", content: text(1 + rng.int(6)) });
    messages.push({ role: "assistant", content: text(rng.nextFloat() < 0.02 ? 400 : 1 + rng.int(12)) });
  }
  return messages;
}

function writeMixture(dir: string): void {
  const rng = new Rng(12);
  const sources = ["doda", "madar", "alpaca", "wiki", "moroccan-news", "translated-instructions"];
  mkdirSync(join(dir, "data"), { recursive: true });
  const per = Math.ceil(rows / files);
  for (let f = 0; f < files; f++) {
    const count = Math.min(per, rows - f * per);
    const messages = Array.from({ length: count }, () => conversation(rng));
    const source = Array.from({ length: count }, () => sources[rng.int(sources.length)]!);
    const bytes = parquetWriteBuffer({
      columnData: [
        { name: "messages", data: messages as never },
        { name: "source", data: source },
      ],
      schema: [
        { name: "root", num_children: 2 },
        { name: "messages", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        { name: "element", repetition_type: "OPTIONAL", num_children: 2 },
        { name: "content", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
        { name: "role", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
        { name: "source", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
      ],
    });
    writeFileSync(
      join(dir, "data", `train-${String(f).padStart(5, "0")}-of-${String(files).padStart(5, "0")}.parquet`),
      new Uint8Array(bytes),
    );
  }
}

try {
  const dataset = join(work, "mixture");
  writeMixture(dataset);
  const model = join(work, "model");
  await writeGemma2Checkpoint(model, {
    shape: { ...TINY_SHAPE, vocabSize: 256000 },
    dtype: "BF16",
    keepWeights: false,
    controlPadding: Number(values["control-padding"]),
  });
  const results: Record<
    string,
    { rowsPerSecond: number[]; wallSeconds: number[]; peakRssMiB: number[]; stats?: unknown }
  > = {
    unpacked: { rowsPerSecond: [], wallSeconds: [], peakRssMiB: [] },
    packed: { rowsPerSecond: [], wallSeconds: [], peakRssMiB: [] },
  };
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const kind of round % 2 === 0 ? ["unpacked", "packed"] : ["packed", "unpacked"]) {
      const target = join(work, `out-${kind}-${round}`);
      const args = [
        atlas,
        "data",
        "build",
        "--dataset",
        dataset,
        "--model",
        model,
        "--max-len",
        values["max-len"],
        "--val",
        "0.01",
        "--out",
        target,
        "--json",
      ];
      if (kind === "packed") args.push("--pack");
      const run = await timedRun(process.execPath, args);
      if (run.exitCode !== 0) throw new Error(`atlas data build (${kind}) failed`);
      const stats = JSON.parse(run.stdout) as { totals: { rows: number } };
      const entry = results[kind]!;
      entry.wallSeconds.push(run.wallSeconds);
      entry.rowsPerSecond.push(stats.totals.rows / run.wallSeconds);
      entry.peakRssMiB.push(run.peakRssMiB);
      entry.stats = stats;
      console.log(
        kind,
        round,
        `${run.wallSeconds}s`,
        `${Math.round(stats.totals.rows / run.wallSeconds)} rows/s`,
        `${run.peakRssMiB} MiB`,
      );
      rmSync(target, { recursive: true, force: true });
    }
  }
  writeReport(out, {
    benchmark: "data-build",
    rows,
    files,
    controlPadding: Number(values["control-padding"]),
    maxLen: Number(values["max-len"]),
    note: "wall time and peak RSS of the whole `atlas data build` process (GNU time), model loading and output included",
    results: Object.fromEntries(
      Object.entries(results).map(([kind, r]) => [
        kind,
        {
          rowsPerSecond: summarize(r.rowsPerSecond),
          wallSeconds: summarize(r.wallSeconds),
          peakRssMiB: summarize(r.peakRssMiB),
          stats: r.stats,
        },
      ]),
    ),
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
