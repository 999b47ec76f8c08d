/** `atlas eval --backend openai:<url>` wiring, against a small fixed-answer server on 127.0.0.1. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResultsJson } from "../../src/eval/index.js";
import { writeEvalFixtures } from "../helpers/eval-fixtures.js";
import { runCli } from "../helpers/run-cli.js";
import { scratchDir } from "../hub/fixtures.js";

const seen: { path: string; auth: string | undefined; body: Record<string, unknown> }[] = [];
const server = createServer((req, res) => {
  let text = "";
  req.on("data", (d: Buffer) => (text += d.toString("utf8")));
  req.on("end", () => {
    const body = JSON.parse(text) as Record<string, unknown>;
    seen.push({ path: req.url ?? "", auth: req.headers.authorization, body });
    res.writeHead(200, { "content-type": "application/json" });
    // Echoes the reference-looking word "salam" so BLEU/chrF are computable.
    res.end(
      JSON.stringify({ choices: [{ index: 0, message: { content: "salam labas" }, finish_reason: "stop" }] }),
    );
  });
});
let base: string;
let scratch: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  scratch = await scratchDir("eval-remote");
  await writeEvalFixtures(join(scratch, "data"), 2);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("atlas eval --backend openai:…", () => {
  it("generates through the server's chat endpoint with the server's model id and key", async () => {
    const out = join(scratch, "run");
    const r = await runCli(
      [
        "eval",
        "--model",
        "atlas-remote",
        "--backend",
        `openai:${base}`,
        "--tasks",
        "darija_transliteration_dr_ar",
        "--data-dir",
        join(scratch, "data"),
        "-o",
        out,
        "--concurrency",
        "2",
      ],
      { env: { ATLAS_HOME: scratch, OPENAI_API_KEY: "secret" } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({
      path: "/v1/chat/completions",
      auth: "Bearer secret",
      body: { model: "atlas-remote", temperature: 0, max_tokens: 256 },
    });
    const results = JSON.parse(await readFile(join(out, "results.json"), "utf8")) as ResultsJson;
    expect(results.config["backend"]).toBe("openai");
    expect(results.model_info).toMatchObject({ base_url: base, model: "atlas-remote" });
    expect(results.results["darija_transliteration_dr_ar"]?.["chrf,strip"]).toBeTypeOf("number");
  });

  it("refuses a backend that is not a URL", async () => {
    const r = await runCli([
      "eval",
      "--model",
      "m",
      "--backend",
      "openai:localhost",
      "--tasks",
      "belebele_ary",
      "-o",
      join(scratch, "bad"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("needs an http(s) URL");
  });
});
