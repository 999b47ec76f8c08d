/**
 * Every vector of sacreBLEU's own tests (../shared/conformance/sacrebleu-vectors.json, transcribed from
 * sacreBLEU f615c72 with the values its Python source computes) must be reproduced within the test's
 * tolerance. The file lives beside the repository (as in CI); ATLAS_CONFORMANCE_DIR overrides the folder.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { computeBleu, corpusBleu, sentenceBleu, type BleuOptions, type BleuSmoothing } from "./bleu.js";
import { corpusChrf } from "./chrf.js";
import type { BleuTokenizer } from "./sacrebleu-tokenizers.js";
import { corpusTer } from "./ter.js";

interface Vector {
  id: string;
  test_name: string;
  metric: string;
  equivalent_params: Record<string, unknown>;
  hypotheses?: string[];
  references?: string[][];
  stats?: { correct: number[]; total: number[]; sys_len: number; ref_len: number };
  expected: unknown;
  expected_scale: string;
  tolerance: number | string;
  sacrebleu_computed: Record<string, unknown>;
}

const folder =
  process.env["ATLAS_CONFORMANCE_DIR"] ?? resolve(import.meta.dirname, "../../../../shared/conformance");
const file = JSON.parse(readFileSync(join(folder, "sacrebleu-vectors.json"), "utf8")) as {
  num_vectors: number;
  vectors: Vector[];
};

function bleuOptions(p: Record<string, unknown>): BleuOptions {
  const options: BleuOptions = {};
  if (typeof p["tokenize"] === "string") options.tokenize = p["tokenize"] as BleuTokenizer;
  if (typeof p["smooth_method"] === "string") options.smoothMethod = p["smooth_method"] as BleuSmoothing;
  if (typeof p["smooth_value"] === "number") options.smoothValue = p["smooth_value"];
  if (p["lowercase"] === true) options.lowercase = true;
  if (typeof p["max_ngram_order"] === "number") options.maxNgramOrder = p["max_ngram_order"];
  const effective = p["use_effective_order"] ?? p["effective_order"];
  if (typeof effective === "boolean") options.effectiveOrder = effective;
  return options;
}

/** The expected value on the 0–100 scale. */
function expected100(v: Vector, value: unknown = v.expected): number {
  const n = typeof value === "string" ? Number(value) : (value as number);
  return v.expected_scale.startsWith("fraction") ? n * 100 : n;
}

function check(v: Vector, actual: number, value: unknown = v.expected): void {
  if (v.tolerance === "string equality") {
    expect(actual.toFixed(2)).toBe(value);
    return;
  }
  const tolerance = (v.tolerance as number) * (v.expected_scale.startsWith("fraction") ? 100 : 1);
  expect(Math.abs(actual - expected100(v, value))).toBeLessThanOrEqual(tolerance + 1e-12);
}

function run(v: Vector): void {
  const p = v.equivalent_params;
  const hyps = v.hypotheses ?? [];
  const refs = v.references ?? [];
  switch (v.metric) {
    case "BLEU":
    case "BLEU-statistics": {
      if (v.test_name === "test_offset") {
        const zero = corpusBleu(hyps, refs, { ...bleuOptions(p), smoothValue: 0 });
        const byDefault = corpusBleu(hyps, refs, bleuOptions(p));
        const want = v.expected as Record<string, number>;
        check(v, zero.score, want["smooth_value_0.0"]);
        check(v, byDefault.score, want["smooth_value_default_0.1"]);
        return;
      }
      const score = corpusBleu(hyps, refs, bleuOptions(p));
      const computed = v.sacrebleu_computed as {
        counts: number[];
        totals: number[];
        sys_len: number;
        ref_len: number;
      };
      expect(score.correct.slice(0, computed.counts.length)).toEqual(computed.counts);
      expect(score.total.slice(0, computed.totals.length)).toEqual(computed.totals);
      expect([score.sysLen, score.refLen]).toEqual([computed.sys_len, computed.ref_len]);
      if (v.metric === "BLEU") check(v, score.score);
      return;
    }
    case "BLEU-from-stats": {
      const s = v.stats!;
      const score = computeBleu(
        { correct: s.correct, total: s.total, sysLen: s.sys_len, refLen: s.ref_len },
        bleuOptions(p),
      );
      check(v, score.score);
      return;
    }
    case "sentence-BLEU": {
      const score = sentenceBleu(
        hyps[0]!,
        refs.map((stream) => stream[0]!),
        bleuOptions(p),
      );
      check(v, score.score);
      return;
    }
    case "chrF":
    case "sentence-chrF": {
      const score = corpusChrf(hyps, refs, {
        charOrder: p["char_order"] as number,
        wordOrder: p["word_order"] as number,
        beta: p["beta"] as number,
        epsSmoothing: p["eps_smoothing"] === true,
        whitespace: p["whitespace"] === true,
        lowercase: p["lowercase"] === true,
      });
      check(v, score.score);
      return;
    }
    case "TER": {
      check(v, corpusTer(hyps, refs, { caseSensitive: p["case_sensitive"] === true }).score);
      return;
    }
    default:
      throw new Error(`no runner for metric ${v.metric} (${v.id})`);
  }
}

describe("sacreBLEU conformance vectors", () => {
  it("holds every vector the file announces", () => {
    expect(file.vectors.length).toBe(file.num_vectors);
    expect(file.vectors.length).toBeGreaterThanOrEqual(77);
  });
  it.each(file.vectors.map((v) => [v.id, v] as const))("%s", (_id, v) => run(v));
});
