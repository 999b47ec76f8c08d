/**
 * `atlas data build` on generated datasets with a generated model: labels masked to the assistant
 * replies token by token (checked against an independent oracle), packing boundaries, the length policy,
 * per-source stats, parquet = jsonl, and the same seed giving the same bytes.
 */
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { beforeAll, describe, expect, it } from "vitest";
import { buildSftData, IGNORE_INDEX, readSftStats, type SftStats } from "../../src/tune/index.js";
import { writeParquet } from "../helpers/parquet-fixture.js";
import { alpacaRows, conversationRows, jsonl, VocabSpeller } from "../helpers/sft-fixtures.js";
import { tinyModel, type TinyModel } from "../helpers/tiny-gguf.js";

let n = 0;
const dir = (name: string): string =>
  join(process.env["ATLAS_TEST_TMP"]!, `data-build-${process.pid}-${n++}-${name}`);
const COLUMNS = [
  { name: "messages", type: "messages" },
  { name: "source", type: "string" },
] as const;
const ROWS = conversationRows(60);

let tiny: TinyModel;
let gguf: string;
let speller: VocabSpeller;
let dataset: string;

interface Row {
  input_ids: number[];
  attention_mask: number[];
  labels: number[];
  position_ids?: number[];
  seq_lengths?: number[];
}

async function jsonlRows(out: string, split: string): Promise<Row[]> {
  const names = (await readdir(join(out, "jsonl"))).filter((f) => f.startsWith(`${split}-`)).sort();
  const rows: Row[] = [];
  for (const name of names)
    for (const line of (await readFile(join(out, "jsonl", name), "utf8")).split("\n"))
      if (line !== "") rows.push(JSON.parse(line) as Row);
  return rows;
}

async function parquetRows(out: string, split: string): Promise<Row[]> {
  const names = (await readdir(join(out, "parquet"))).filter((f) => f.startsWith(`${split}-`)).sort();
  const rows: Row[] = [];
  for (const name of names)
    rows.push(
      ...((await parquetReadObjects({
        file: await asyncBufferFromFile(join(out, "parquet", name)),
      })) as Row[]),
    );
  return rows;
}

/** Every file of a build, by relative path. */
async function allBytes(out: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const sub of ["parquet", "jsonl"])
    for (const name of await readdir(join(out, sub)))
      files.set(`${sub}/${name}`, await readFile(join(out, sub, name)));
  for (const name of ["stats.json", "README.md"]) files.set(name, await readFile(join(out, name)));
  return files;
}

/** The assistant-only mask holds token by token for one sample. */
function checkSample(ids: readonly number[], labels: readonly number[]): void {
  const expected = speller.assistantTokens(ids);
  const text = speller.text(ids);
  expect(text.startsWith("<bos><start_of_turn>user\n"), text.slice(0, 40)).toBe(true);
  ids.forEach((id, i) => {
    const piece = speller.bytes(id).toString("utf8");
    expect(
      labels[i] === IGNORE_INDEX ? IGNORE_INDEX : id,
      `token ${i} '${piece}' of ${JSON.stringify(text)}`,
    ).toBe(labels[i]);
    expect(labels[i] !== IGNORE_INDEX, `token ${i} '${piece}' trained? in ${JSON.stringify(text)}`).toBe(
      expected[i],
    );
  });
  // Every reply's <end_of_turn> is trained; the user turns' are not.
  const eot = ids
    .map((id, i) => [speller.bytes(id).toString("utf8"), i] as const)
    .filter(([p]) => p === "<end_of_turn>");
  expect(eot.length).toBeGreaterThanOrEqual(2);
  eot.forEach(([, i], k) => expect(labels[i] !== IGNORE_INDEX, `end_of_turn #${k}`).toBe(k % 2 === 1));
}

describe("atlas data build", () => {
  beforeAll(async () => {
    tiny = await tinyModel();
    gguf = await tiny.gguf("f32");
    speller = await VocabSpeller.open(gguf);
    dataset = dir("mixture");
    await mkdir(join(dataset, "data"), { recursive: true });
    await writeParquet(join(dataset, "data", "train-00000-of-00002.parquet"), ROWS.slice(0, 35), COLUMNS);
    await writeParquet(join(dataset, "data", "train-00001-of-00002.parquet"), ROWS.slice(35), COLUMNS);
    await writeParquet(join(dataset, "data", "test-00000-of-00001.parquet"), ROWS.slice(0, 3), COLUMNS);
  });

  it("masks labels to the assistant replies, token by token, <end_of_turn> included", async () => {
    const out = dir("plain");
    const { stats } = await buildSftData({ dataset, model: gguf, out, maxLen: 384, valFraction: 0.1 });
    const rows = [...(await jsonlRows(out, "train")), ...(await jsonlRows(out, "validation"))];
    expect(rows.length).toBe(stats.totals.kept);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(["input_ids", "attention_mask", "labels"]);
      expect(row.input_ids.length).toBeLessThanOrEqual(384);
      expect(row.attention_mask.every((m) => m === 1)).toBe(true);
      checkSample(row.input_ids, row.labels);
    }
    // Multi-turn conversations keep every reply trained, system turns folded into the first user turn.
    expect(
      rows.some(
        (r) =>
          r.labels.filter(
            (l, i) => l !== IGNORE_INDEX && speller.bytes(r.input_ids[i]!).toString() === "<end_of_turn>",
          ).length === 3,
      ),
    ).toBe(true);
  });

  it("counts per source, drops by reason, reports the length policy; the test split is not read", async () => {
    const out = dir("stats");
    const { stats } = await buildSftData({ dataset, model: tiny.checkpoint.dir, out, maxLen: 384 });
    const long = ROWS.filter((_, i) => i % 10 === 9).length;
    expect(stats.files).toEqual(["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"]);
    expect(stats.totals.rows).toBe(60);
    expect(stats.totals.dropped).toEqual({
      "no assistant turn": 1,
      "template refused the conversation": 1,
      "unknown role": 1,
      "longer than max-len": long,
    });
    expect(stats.totals.kept).toBe(60 - 3 - long);
    expect(stats.dropRate).toBeCloseTo((3 + long) / 60, 6);
    expect(stats.truncationRate).toBe(0);
    expect(Object.keys(stats.sources)).toEqual(["alpaca-darija", "doda", "madar", "wiki-qa"]);
    expect(Object.values(stats.sources).reduce((s, c) => s + c.rows, 0)).toBe(60);
    expect(stats.lengths.count).toBe(57);
    expect(stats.lengths.max).toBeGreaterThan(384);
    expect(stats.lengths.histogram.reduce((s, b) => s + b.count, 0)).toBe(57);
    expect(stats.splits["train"]!.samples).toBe(stats.totals.kept);
    // Truncation keeps the long rows, cut to max-len, still with trained tokens.
    const cut = await buildSftData({
      dataset,
      model: gguf,
      out: dir("truncate"),
      maxLen: 384,
      policy: "truncate",
    });
    expect(cut.stats.totals.truncated).toBe(long);
    expect(cut.stats.totals.kept).toBe(57);
    const rows = await jsonlRows(cut.out, "train");
    expect(rows.filter((r) => r.input_ids.length === 384).length).toBeGreaterThanOrEqual(long);
  });

  it("packs samples with restarting position ids and recorded lengths", async () => {
    const out = dir("packed");
    const { stats } = await buildSftData({ dataset, model: gguf, out, maxLen: 1024, pack: true, seed: 5 });
    const rows = await jsonlRows(out, "train");
    expect(rows.length).toBe(stats.splits["train"]!.rows);
    expect(rows.length).toBeLessThan(stats.splits["train"]!.samples);
    let samples = 0;
    for (const row of rows) {
      expect(Object.keys(row)).toEqual([
        "input_ids",
        "attention_mask",
        "labels",
        "position_ids",
        "seq_lengths",
      ]);
      expect(row.input_ids.length).toBeLessThanOrEqual(1024);
      expect(row.seq_lengths!.reduce((a, b) => a + b, 0)).toBe(row.input_ids.length);
      let at = 0;
      for (const length of row.seq_lengths!) {
        expect(row.position_ids!.slice(at, at + length)).toEqual(Array.from({ length }, (_, i) => i));
        checkSample(row.input_ids.slice(at, at + length), row.labels.slice(at, at + length));
        at += length;
        samples++;
      }
    }
    expect(samples).toBe(stats.splits["train"]!.samples);
    expect(stats.splits["train"]!.fill).toBeGreaterThan(0.5);
  });

  it("writes the same rows to parquet and jsonl", async () => {
    const out = dir("formats");
    await buildSftData({ dataset, model: gguf, out, maxLen: 256, pack: true, valFraction: 0.2 });
    for (const split of ["train", "validation"])
      expect(await parquetRows(out, split)).toEqual(await jsonlRows(out, split));
    const report = await readSftStats(out);
    expect(report.files["validation"]).toEqual({
      recorded: report.stats.splits["validation"]!.rows,
      parquet: report.stats.splits["validation"]!.rows,
      jsonl: report.stats.splits["validation"]!.rows,
    });
  });

  it("same seed, same bytes; another seed, another order of the same rows", async () => {
    const a = await allBytes(
      (
        await buildSftData({
          dataset,
          model: gguf,
          out: dir("seed-a"),
          maxLen: 384,
          seed: 3,
          valFraction: 0.1,
        })
      ).out,
    );
    const b = await allBytes(
      (
        await buildSftData({
          dataset,
          model: tiny.checkpoint.dir,
          out: dir("seed-b"),
          maxLen: 384,
          seed: 3,
          valFraction: 0.1,
        })
      ).out,
    );
    const c = await allBytes(
      (
        await buildSftData({
          dataset,
          model: gguf,
          out: dir("seed-c"),
          maxLen: 384,
          seed: 4,
          valFraction: 0.1,
        })
      ).out,
    );
    const stats = (files: Map<string, Buffer>): SftStats =>
      JSON.parse(files.get("stats.json")!.toString()) as SftStats;
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [name, bytes] of a)
      if (name !== "stats.json" && name !== "README.md") expect(bytes.equals(b.get(name)!), name).toBe(true);
    // Only the model reference (a GGUF vs the checkpoint it came from) differs in the stats.
    expect({ ...stats(a), model: "", tokenizer: "" }).toEqual({ ...stats(b), model: "", tokenizer: "" });
    const lines = (files: Map<string, Buffer>): string[] =>
      [...files]
        .filter(([k]) => k.startsWith("jsonl/"))
        .flatMap(([, v]) => v.toString().split("\n"))
        .filter((l) => l !== "");
    expect(
      a.get("jsonl/train-00000-of-00001.jsonl")!.equals(c.get("jsonl/train-00000-of-00001.jsonl")!),
    ).toBe(false);
    expect(lines(a).sort()).toEqual(lines(c).sort());
  });

  it("reads Alpaca-style jsonl and refuses an output folder that is not its own", async () => {
    const file = join(dir("alpaca"), "train.jsonl");
    await mkdir(join(file, ".."), { recursive: true });
    await writeFile(file, jsonl(alpacaRows(12)));
    const out = dir("alpaca-out");
    const { stats } = await buildSftData({ dataset: file, model: gguf, out, maxLen: 384, rowsPerShard: 5 });
    expect(stats.format).toBe("alpaca");
    expect(stats.totals.kept).toBe(12);
    expect(stats.splits["train"]!.parquet).toEqual([
      "parquet/train-00000-of-00003.parquet",
      "parquet/train-00001-of-00003.parquet",
      "parquet/train-00002-of-00003.parquet",
    ]);
    for (const row of await jsonlRows(out, "train")) checkSample(row.input_ids, row.labels);
    await expect(buildSftData({ dataset: file, model: gguf, out, maxLen: 384 })).rejects.toThrow(
      /already holds a build/,
    );
    await buildSftData({ dataset: file, model: gguf, out, maxLen: 384, overwrite: true });
    await writeFile(join(out, "notes.txt"), "mine");
    await expect(
      buildSftData({ dataset: file, model: gguf, out, maxLen: 384, overwrite: true }),
    ).rejects.toThrow(/is not empty \(notes\.txt\)/);
  });
});
