/** `atlas score` end to end: sacreBLEU's corpus_bleu test case through files, text and JSON output. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { scratchDir } from "../hub/fixtures.js";

let dir: string;

beforeAll(async () => {
  dir = await scratchDir("score");
  await writeFile(
    join(dir, "hyp.txt"),
    "The dog bit the man.\nIt wasn't surprising.\nThe man had just bitten him.\n",
  );
  await writeFile(
    join(dir, "ref1.txt"),
    "The dog bit the man.\r\nIt was not unexpected.\r\nThe man bit him first.\r\n",
  );
  await writeFile(
    join(dir, "ref2.txt"),
    "The dog had bit the man.\nNo one was surprised.\nThe man had bitten the dog.",
  );
  await writeFile(join(dir, "short.txt"), "one line\n");
});

describe("atlas score", () => {
  it("prints BLEU like sacreBLEU and its statistics as JSON", async () => {
    const args = [
      "score",
      "bleu",
      "--hyp",
      join(dir, "hyp.txt"),
      "--ref",
      join(dir, "ref1.txt"),
      "--ref",
      join(dir, "ref2.txt"),
    ];
    const text = await runCli(args);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)\n",
    );
    const json = JSON.parse((await runCli([...args, "--json"])).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      name: "BLEU",
      counts: [14, 7, 5, 3],
      totals: [17, 14, 11, 8],
      hyp_len: 17,
      ref_len: 18,
    });
    expect(json["score"]).toBeCloseTo(48.530827009929865, 10);
    expect(json["signature"]).toBe("nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0");
  });

  it("prints chrF and TER", async () => {
    const chrf = await runCli([
      "score",
      "chrf",
      "--hyp",
      join(dir, "hyp.txt"),
      "--ref",
      join(dir, "ref1.txt"),
      "--json",
    ]);
    const parsed = JSON.parse(chrf.stdout) as { score: number; signature: string };
    expect(parsed.score).toBeGreaterThan(0);
    expect(parsed.signature.startsWith("chrF2|nrefs:1|")).toBe(true);
    const ter = await runCli(["score", "ter", "--hyp", join(dir, "hyp.txt"), "--ref", join(dir, "hyp.txt")]);
    expect(ter.stdout).toBe("TER = 0.00\n");
  });

  it("explains bad input", async () => {
    const mismatch = await runCli([
      "score",
      "bleu",
      "--hyp",
      join(dir, "hyp.txt"),
      "--ref",
      join(dir, "short.txt"),
    ]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain("reference stream 1 has 1 lines but there are 3 hypotheses");
    expect((await runCli(["score", "meteor", "--hyp", "x", "--ref", "y"])).code).toBe(2);
    const missing = await runCli([
      "score",
      "bleu",
      "--hyp",
      join(dir, "nope.txt"),
      "--ref",
      join(dir, "ref1.txt"),
    ]);
    expect(missing.code).toBe(3);
  });
});
