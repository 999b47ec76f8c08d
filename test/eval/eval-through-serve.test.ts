/**
 * The same evaluation two ways: embedded, and through `atlas serve`'s OpenAI API (`--backend
 * openai:<url>/v1`: `/v1/completions` with echo + logprobs for scores, chat completions for generation).
 * Both load the tiny model batch-invariant, so the numbers must agree.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResultsJson } from "../../src/eval/index.js";
import { createApp, listen, type ListeningServer } from "../../src/server/index.js";
import { writeEvalFixtures } from "../helpers/eval-fixtures.js";
import { runCli } from "../helpers/run-cli.js";
import { tinyModel } from "../helpers/tiny-gguf.js";
import { scratchDir } from "../hub/fixtures.js";

const TASKS = ["belebele_ary", "darija_hellaswag", "darija_sentiment_mac", "darija_transliteration_dr_ar"];
let gguf: string;
let scratch: string;
let server: ListeningServer;

beforeAll(async () => {
  gguf = await (await tinyModel()).gguf("f32");
  scratch = await scratchDir("eval-serve");
  await writeEvalFixtures(join(scratch, "data"), 2);
  const app = createApp({
    models: [{ name: "tiny", path: gguf }],
    env: { ATLAS_HOME: scratch },
    loadOptions: { gpu: "cpu", contextSize: 2048, sequences: 4, batchInvariant: true },
  });
  server = await listen(app, { port: 0 });
});
afterAll(async () => {
  await server.close(0);
});

async function read(
  dir: string,
): Promise<{ results: ResultsJson; samples: Map<string, { resps: unknown[] }[]> }> {
  const results = JSON.parse(await readFile(join(dir, "results.json"), "utf8")) as ResultsJson;
  const samples = new Map<string, { resps: unknown[] }[]>();
  for (const task of TASKS) {
    const text = await readFile(join(dir, `samples_${task}.jsonl`), "utf8");
    samples.set(
      task,
      text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { resps: unknown[] }),
    );
  }
  return { results, samples };
}

describe("atlas eval through atlas serve", () => {
  it("gives the same scores and generations as the embedded backend", async () => {
    const common = ["eval", "--tasks", TASKS.join(","), "--data-dir", join(scratch, "data"), "--limit", "2"];
    const embedded = await runCli([
      ...common,
      "--model",
      gguf,
      "-o",
      join(scratch, "embedded"),
      "--gpu",
      "cpu",
      "--ctx-size",
      "2048",
    ]);
    expect(embedded.code, embedded.stderr).toBe(0);
    const remote = await runCli(
      [...common, "--model", "tiny", "--backend", `openai:${server.url}/v1`, "-o", join(scratch, "remote")],
      { env: { ATLAS_HOME: scratch } },
    );
    expect(remote.code, remote.stderr).toBe(0);
    const a = await read(join(scratch, "embedded"));
    const b = await read(join(scratch, "remote"));
    expect(b.results.config["backend"]).not.toBe("embedded");
    for (const task of TASKS) {
      const x = a.samples.get(task)!;
      const y = b.samples.get(task)!;
      expect(y).toHaveLength(x.length);
      x.forEach((sample, i) => {
        const other = y[i]!.resps;
        if (task === "darija_transliteration_dr_ar") expect(other, `${task} ${i}`).toEqual(sample.resps);
        else
          (sample.resps as [number, boolean][]).forEach(([ll, greedy], c) => {
            const [ll2, greedy2] = other[c] as [number, boolean];
            expect(Math.abs(ll2 - ll), `${task} ${i} choice ${c}`).toBeLessThan(1e-4);
            expect(greedy2).toBe(greedy);
          });
      });
      for (const [metric, value] of Object.entries(a.results.results[task]!)) {
        if (typeof value === "number" && !metric.includes("stderr"))
          expect(b.results.results[task]![metric], `${task} ${metric}`).toBeCloseTo(value, 6);
      }
    }
  }, 300_000);
});
