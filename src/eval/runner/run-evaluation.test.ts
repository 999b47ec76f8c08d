/** The runner on the FakeEngine: every built-in task on generated fixtures, concurrency, cache and resume. */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeEvalFixtures } from "../../../test/helpers/eval-fixtures.js";
import { AtlasModel } from "../../api/index.js";
import { isAtlasError } from "../../core/index.js";
import { FakeEngine } from "../../engine/index.js";
import { scoreMultipleChoice } from "../metrics/accuracy.js";
import { resolveTasks, SUITE_TASK_NAMES } from "../tasks/registry.js";
import { embeddedEvalModel } from "./embedded-model.js";
import type { EvalModel } from "./eval-model.js";
import { RequestCache } from "./request-cache.js";
import { runEvaluation } from "./run-evaluation.js";
import { scratchDir } from "../../../test/hub/fixtures.js";

let dataDir: string;
let scratch: string;

async function fakeModel(reply: (prompt: string) => string = () => "A"): Promise<EvalModel> {
  const engine = new FakeEngine({ reply });
  return embeddedEvalModel(
    new AtlasModel(
      await engine.loadModel("fake.gguf", { sequences: 4, contextSize: 4096, batchInvariant: true }),
    ),
  );
}

/** Counts the requests that reach the model. */
function counting(model: EvalModel): EvalModel & { calls: number } {
  const wrapped = {
    ...model,
    calls: 0,
    loglikelihoods(context: string, continuations: readonly string[], signal?: AbortSignal) {
      wrapped.calls++;
      return model.loglikelihoods(context, continuations, signal);
    },
    generate(prompt: Parameters<EvalModel["generate"]>[0], options: Parameters<EvalModel["generate"]>[1]) {
      wrapped.calls++;
      return model.generate(prompt, options);
    },
  };
  return wrapped;
}

beforeAll(async () => {
  scratch = await scratchDir("eval-runner");
  dataDir = join(scratch, "data");
  await writeEvalFixtures(dataDir, 3);
});

describe("runEvaluation", () => {
  it("runs every built-in task with a judge and reports lm-eval's layout", async () => {
    const model = await fakeModel((prompt) => (prompt.includes("حكم") ? "A" : "salam labas"));
    const { tasks, groups } = resolveTasks(SUITE_TASK_NAMES);
    const { results, samples } = await runEvaluation({
      model,
      judge: model,
      tasks,
      groups,
      data: { dataDir },
    });
    expect(Object.keys(results.results)).toHaveLength(tasks.length);
    expect(results.groups["darija_mmlu"]?.["acc,none"]).toBeTypeOf("number");
    expect(results.groups["darija_sentiment"]?.["acc,none"]).toBeTypeOf("number");
    expect(results.results["darija_translation_doda_all"]?.["bleu,strip"]).toBeTypeOf("number");
    expect(results.results["darija_summarization"]?.["rouge1,strip"]).toBeTypeOf("number");
    // The fake judge always answers "A": verdicts flip with the order, so every pair is inconsistent.
    expect(results.results["darija_alpacaeval"]?.["win_rate_inconsistent,strip"]).toBe(3);
    expect(results.results["darija_summarization"]?.["win_rate_inconsistent,strip"]).toBe(3);
    expect(results["n-samples"]["darija_translation_madar_all"]).toEqual({ original: 6, effective: 6 });
    expect(results.versions["belebele_ary"]).toBe(1);
    // acc recomputed by hand from the logged log-likelihoods of one sample.
    const sample = samples.get("belebele_ary")![1]!;
    const lls = (sample.resps as [number, boolean][]).map(([logprob, isGreedy]) => ({ logprob, isGreedy }));
    expect(sample.metrics["acc"]).toBe(
      scoreMultipleChoice(["A", "B", "C", "D"], lls, sample.target as number).acc,
    );
    // The group is the micro-average over the subtasks' samples.
    const accs = resolveTasks(["darija_sentiment"]).tasks.flatMap((t) =>
      samples.get(t.name)!.map((s) => s.metrics["acc"] as number),
    );
    expect(results.groups["darija_sentiment"]?.["acc,none"]).toBeCloseTo(
      accs.reduce((a, b) => a + b, 0) / accs.length,
      12,
    );
  });

  it("refuses a judged task without a judge", async () => {
    const model = await fakeModel();
    await expect(
      runEvaluation({ model, tasks: resolveTasks(["darija_alpacaeval"]).tasks, data: { dataDir } }),
    ).rejects.toMatchObject({ code: "BAD_ARGUMENT" });
  });

  it("gives the same results one request at a time and with many in flight", async () => {
    const { tasks } = resolveTasks(["belebele_ary", "darija_hellaswag", "darija_transliteration"]);
    const one = await runEvaluation({ model: await fakeModel(), tasks, data: { dataDir }, concurrency: 1 });
    const many = await runEvaluation({ model: await fakeModel(), tasks, data: { dataDir }, concurrency: 16 });
    expect(many.results.results).toEqual(one.results.results);
    expect([...many.samples.entries()]).toEqual([...one.samples.entries()]);
  });

  it("resumes after an abort without recomputing finished requests", async () => {
    const { tasks } = resolveTasks(["darija_sentiment", "belebele_ary"]);
    const cache = new RequestCache(join(scratch, "resume.sqlite"));
    const first = counting(await fakeModel());
    const controller = new AbortController();
    let done = 0;
    const aborted = await runEvaluation({
      model: first,
      tasks,
      data: { dataDir },
      cache,
      concurrency: 2,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.phase === "model" && e.done > 0 && ++done === 5) controller.abort(new Error("stop"));
      },
    }).catch((error: unknown) => error);
    expect(isAtlasError(aborted, "ABORTED")).toBe(true);
    expect((aborted as Error).message).toContain("--resume");
    const finished = cache.count(first.id);
    expect(finished).toBeGreaterThanOrEqual(5);
    const total = 5 * 3 + 3;
    expect(finished).toBeLessThan(total);
    const second = counting(await fakeModel());
    const resumed = await runEvaluation({ model: second, tasks, data: { dataDir }, cache });
    expect(second.calls).toBe(total - finished);
    expect(resumed.results.atlas_stats).toMatchObject({ cached: finished, computed: total - finished });
    const third = counting(await fakeModel());
    await runEvaluation({ model: third, tasks, data: { dataDir }, cache });
    expect(third.calls).toBe(0);
    cache.close();
  });
});
