/** --gpu choices on a machine without a GPU (this file runs in its own process: one backend per process). */
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { tinyModel } from "../helpers/tiny-gguf.js";

describe("--gpu without a GPU", () => {
  it("auto falls back to the CPU with a one-line notice", async () => {
    const gguf = await (await tinyModel()).gguf("q8_0");
    const r = await runCli([
      "run",
      gguf,
      "salam",
      "--gpu",
      "auto",
      "--max-tokens",
      "2",
      "--temperature",
      "0",
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("note:"))).toEqual([
      expect.stringMatching(/running on the CPU/),
    ]);
  });
});
