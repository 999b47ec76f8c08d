/**
 * Benchmark for the engine (issue: engine and generation). On a GGUF (the 2B-shaped Q4_K_M:
 * `atlas convert /tmp/atlas-2b-bf16 -o /tmp/atlas-2b-q4_k_m.gguf -t q4_k_m`), with the same thread count
 * and flash-attention setting for everyone, measures in separate child processes (clean peak RSS):
 *   - atlas: prompt processing of 512 tokens, generation of 128 tokens, time to first token of a chat
 *     prompt, aggregate generation throughput with 1, 2 and 4 sequences decoded together;
 *   - node-llama-cpp called directly: the same (if --node-llama-cpp is given: node-llama-cpp is not one of
 *     our dependencies; `scripts/dev-node-llama-cpp.sh` installs the pinned 3.22.1 into
 *     .cache/node-llama-cpp and prints the path to pass);
 *   - llama.cpp's `llama-batched-bench` (if --batched-bench is given): the anchor for batched decoding.
 *
 *   npx tsx bench/engine.ts --model /tmp/atlas-2b-q4_k_m.gguf --out /tmp/engine.json [--threads 2] \
 *     [--batched-bench PATH] [--node-llama-cpp .cache/node-llama-cpp/node_modules/node-llama-cpp]
 *
 * Writes the JSON to --out (never overwriting a file). Single-stream generation is compared with llama.cpp's
 * own tool like for like in bench/stability.ts (tg128 vs `llama-bench -n 128`, many alternating rounds).
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { aggregateThroughput } from "./aggregate-throughput.js";
import { runLlamaBatchedBench } from "./llama-batched-bench.js";
import { checkOutput, summarize, writeReport } from "./report.js";

const { values } = parseArgs({
  options: {
    model: { type: "string" },
    threads: { type: "string", default: "2" },
    gpu: { type: "string", default: "cpu" },
    "batched-bench": { type: "string" },
    "node-llama-cpp": { type: "string" },
    part: { type: "string" },
    repeats: { type: "string", default: "3" },
    "unified-kv": { type: "string", default: "true" },
    skip: { type: "string", multiple: true },
    out: { type: "string" },
  },
});
const unifiedKv = values["unified-kv"] !== "false";
const out = values.part === undefined ? checkOutput(values.out) : "";
const skip = new Set(values.skip ?? []);
if (values.model === undefined) throw new Error("--model <gguf> is required");
const model = values.model;
const threads = Number(values.threads);
const repeats = Number(values.repeats);
const PP = 512;
const TG = 128;
const BATCH_TOKENS = 64;
const PARALLEL = [1, 2, 4];

function randomTokens(n: number, vocab: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return Math.floor(vocab / 4) + (x % Math.floor(vocab / 2));
  });
}

async function atlasPart(): Promise<Record<string, unknown>> {
  const { LlamaEngine } = await import("../src/engine/index.js");
  const engine = new LlamaEngine();
  // pp/tg/TTFT with one sequence (what `atlas run` and `atlas chat` use); batching below with four.
  let m = await engine.loadModel(model, {
    gpu: values.gpu as "cpu",
    threads,
    contextSize: 1024,
    sequences: 1,
    flashAttention: "on",
  });
  const bos = m.info.tokens.bos!;
  const pp: number[] = [];
  const tg: number[] = [];
  for (let r = 0; r <= repeats; r++) {
    const prompt = [bos, ...randomTokens(PP - 1, m.info.vocabSize, r + 1)];
    const s = (await m.generate(prompt, { maxTokens: 1, temperature: 0, cachePrompt: false }).result).stats;
    const g = (await m.generate([bos], { maxTokens: TG + 1, temperature: 0, cachePrompt: false }).result)
      .stats;
    if (r > 0) {
      pp.push((PP * 1000) / s.promptMs);
      tg.push(g.tokensPerSecond);
    }
  }
  const chat = m.tokenize(
    "<bos><start_of_turn>user\nشنو كيتسمى المنتخب المغربي ؟<end_of_turn>\n<start_of_turn>model\n",
    { parseSpecial: true },
  );
  const ttft: number[] = [];
  for (let r = 0; r <= repeats; r++) {
    const s = (await m.generate(chat, { maxTokens: 1, temperature: 0, cachePrompt: false }).result).stats;
    if (r > 0) ttft.push(s.timeToFirstTokenMs);
  }
  await m.dispose();
  m = await engine.loadModel(model, {
    gpu: values.gpu as "cpu",
    threads,
    contextSize: 1024,
    sequences: 4,
    flashAttention: "on",
    unifiedKv,
  });
  const aggregate: Record<string, unknown> = {};
  for (const n of PARALLEL) {
    const runs: number[] = [];
    for (let r = 0; r <= repeats; r++) {
      const rate = await aggregateThroughput(m, n, BATCH_TOKENS, r);
      if (r > 0) runs.push(rate);
    }
    aggregate[`n${n}`] = summarize(runs);
  }
  await m.dispose();
  return {
    pp512: summarize(pp),
    tg128: summarize(tg),
    ttftMs: summarize(ttft),
    chatPromptTokens: chat.length,
    aggregate,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/** The part of node-llama-cpp's API this benchmark calls (it is not a dependency, so no types of its own). */
interface NodeLlamaCppSequence {
  clearHistory(): Promise<void>;
  evaluate(tokens: number[], options: { temperature: number }): AsyncIterable<number>;
  evaluateWithoutGeneratingNewTokens(tokens: number[]): Promise<void>;
}
interface NodeLlamaCppContext {
  getSequence(): NodeLlamaCppSequence;
  dispose(): Promise<void>;
}
interface NodeLlamaCppModel {
  tokens: { bos: number | null };
  fileInfo: { metadata: { tokenizer: { ggml: { tokens: unknown[] } } } };
  tokenize(text: string, special: boolean): number[];
  isEogToken(token: number): boolean;
  createContext(options: Record<string, unknown>): Promise<NodeLlamaCppContext>;
  dispose(): Promise<void>;
}
interface NodeLlamaCppModule {
  getLlama(
    this: void,
    options: Record<string, unknown>,
  ): Promise<{
    loadModel(options: { modelPath: string }): Promise<NodeLlamaCppModel>;
  }>;
}

async function nodeLlamaCppPart(): Promise<Record<string, unknown>> {
  const dir = values["node-llama-cpp"];
  if (dir === undefined) throw new Error("--node-llama-cpp DIR is required for this part");
  const entry = new URL(`file://${resolve(dir)}/dist/index.js`).href;
  const { getLlama } = (await import(entry)) as NodeLlamaCppModule;
  const llama = await getLlama({
    gpu: values.gpu === "cpu" ? false : values.gpu,
    build: "never",
    maxThreads: threads,
  });
  const m = await llama.loadModel({ modelPath: model });
  const single = await m.createContext({
    contextSize: 1024,
    sequences: 1,
    threads,
    flashAttention: true,
    batchSize: 512,
  });
  const bos = m.tokens.bos!;
  const vocab = m.fileInfo.metadata.tokenizer.ggml.tokens.length;
  const pp: number[] = [];
  const tg: number[] = [];
  const seq = single.getSequence();
  const generate = async (
    s: typeof seq,
    prompt: number[],
    count: number,
  ): Promise<{ first: number; end: number; produced: number }> => {
    await s.clearHistory();
    let produced = 0;
    let first = 0;
    for await (const token of s.evaluate(prompt, { temperature: 0 })) {
      if (produced === 0) first = performance.now();
      produced++;
      if (produced >= count || m.isEogToken(token)) break;
    }
    return { first, end: performance.now(), produced };
  };
  for (let r = 0; r <= repeats; r++) {
    await seq.clearHistory();
    const prompt = [bos, ...randomTokens(PP - 1, vocab, r + 1)];
    const t0 = performance.now();
    await seq.evaluateWithoutGeneratingNewTokens(prompt);
    const ppMs = performance.now() - t0;
    const g = await generate(seq, [bos], TG + 1);
    if (r > 0) {
      pp.push((PP * 1000) / ppMs);
      tg.push(((g.produced - 1) * 1000) / (g.end - g.first));
    }
  }
  const chat = m.tokenize(
    "<bos><start_of_turn>user\nشنو كيتسمى المنتخب المغربي ؟<end_of_turn>\n<start_of_turn>model\n",
    true,
  );
  const ttft: number[] = [];
  for (let r = 0; r <= repeats; r++) {
    const t0 = performance.now();
    const g = await generate(seq, chat, 1);
    if (r > 0) ttft.push(g.first - t0);
  }
  await single.dispose();
  const ctx = await m.createContext({
    contextSize: 4096,
    sequences: 4,
    threads,
    flashAttention: true,
    batchSize: 512,
  });
  const seqs = [ctx.getSequence(), ctx.getSequence(), ctx.getSequence(), ctx.getSequence()];
  const aggregate: Record<string, unknown> = {};
  for (const n of PARALLEL) {
    const runs: number[] = [];
    for (let r = 0; r <= repeats; r++) {
      const results = await Promise.all(
        seqs
          .slice(0, n)
          .map((s, i) => generate(s, [bos, Math.floor(vocab / 2) + i * 7 + r], BATCH_TOKENS + 1)),
      );
      const span = Math.max(...results.map((x) => x.end)) - Math.min(...results.map((x) => x.first));
      const tokens = results.reduce((sum, x) => sum + x.produced - 1, 0);
      if (r > 0) runs.push((tokens * 1000) / span);
    }
    aggregate[`n${n}`] = summarize(runs);
  }
  await ctx.dispose();
  await m.dispose();
  return {
    pp512: summarize(pp),
    tg128: summarize(tg),
    ttftMs: summarize(ttft),
    aggregate,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

function batchedBench(path: string): Record<string, number> {
  const speeds = runLlamaBatchedBench({ path, model, threads, tokens: BATCH_TOKENS, parallel: PARALLEL });
  return Object.fromEntries(PARALLEL.map((n, i) => [`n${n}`, speeds[i]!]));
}

if (values.part !== undefined) {
  const result = values.part === "atlas" ? await atlasPart() : await nodeLlamaCppPart();
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
} else {
  const root = resolve(new URL("..", import.meta.url).pathname);
  const runPart = (part: string): Record<string, unknown> => {
    const child = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        join(root, "bench", "engine.ts"),
        "--model",
        model,
        "--threads",
        String(threads),
        "--gpu",
        values.gpu,
        "--repeats",
        String(repeats),
        "--part",
        part,
        ...(values["node-llama-cpp"] === undefined ? [] : ["--node-llama-cpp", values["node-llama-cpp"]]),
      ],
      { encoding: "utf8", maxBuffer: 1 << 26 },
    );
    const line = child.stdout.split("\n").find((l) => l.startsWith("RESULT "));
    if (line === undefined) throw new Error(`${part} failed:\n${child.stderr}`);
    return JSON.parse(line.slice(7)) as Record<string, unknown>;
  };
  const atlas = runPart("atlas");
  console.log("atlas", atlas);
  const direct =
    skip.has("node-llama-cpp") || values["node-llama-cpp"] === undefined ? {} : runPart("node-llama-cpp");
  console.log("node-llama-cpp", direct);
  const anchor = values["batched-bench"] === undefined ? undefined : batchedBench(values["batched-bench"]);
  if (anchor !== undefined) console.log("llama-batched-bench", anchor);
  const med = (x: unknown): number => (x as { median: number }).median;
  const ratio = (a: unknown, b: unknown): number => med(a) / med(b);
  const atlasAgg = atlas["aggregate"] as Record<string, unknown>;
  writeReport(out, {
    benchmark: "engine",
    model,
    threads,
    flashAttention: true,
    unifiedKv,
    repeats,
    atlas,
    nodeLlamaCpp: direct,
    llamaBatchedBench: anchor,
    ratios: {
      pp512_atlas_vs_node: ratio(atlas["pp512"], direct["pp512"]),
      tg128_atlas_vs_node: ratio(atlas["tg128"], direct["tg128"]),
      ...(anchor === undefined
        ? {}
        : Object.fromEntries(
            PARALLEL.map((n) => [`batched_n${n}_atlas_vs_llama`, med(atlasAgg[`n${n}`]) / anchor[`n${n}`]!]),
          )),
    },
  });
}
