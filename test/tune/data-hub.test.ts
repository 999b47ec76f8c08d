/**
 * `atlas data build` against the (mock) hub: the dataset repo's own data files of the split into the HF
 * cache (`datasets--org--name`), and the tokenizer of a model that was never pulled from three small
 * files — no weights — then the same build offline from the cache.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSftData } from "../../src/tune/index.js";
import { startMockHub, type MockHub } from "../helpers/mock-hub.js";
import { parquetBytes } from "../helpers/parquet-fixture.js";
import { conversationRows, jsonl } from "../helpers/sft-fixtures.js";
import { tinyModel } from "../helpers/tiny-gguf.js";
import { scratchDir } from "../hub/fixtures.js";

const COLUMNS = [
  { name: "messages", type: "messages" },
  { name: "source", type: "string" },
] as const;
const ROWS = conversationRows(30, 7);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

let hub: MockHub;
let env: Record<string, string>;

beforeAll(async () => {
  const tiny = await tinyModel();
  hub = await startMockHub();
  hub.addRepo({
    id: "MBZUAI-Paris/Darija-SFT-Mixture",
    type: "dataset",
    commits: [
      {
        refs: ["main"],
        files: [
          { path: "README.md", content: text("# mixture\n") },
          {
            path: "data/train-00000-of-00002.parquet",
            content: parquetBytes(ROWS.slice(0, 20), COLUMNS),
            lfs: true,
          },
          {
            path: "data/train-00001-of-00002.parquet",
            content: parquetBytes(ROWS.slice(20), COLUMNS),
            lfs: true,
          },
          { path: "data/test-00000-of-00001.jsonl", content: text(jsonl(ROWS.slice(0, 2))) },
        ],
      },
    ],
  });
  const files = await Promise.all(
    [
      "config.json",
      "tokenizer.model",
      "tokenizer_config.json",
      "generation_config.json",
      "model.safetensors.index.json",
    ].map(async (path) => ({
      path,
      content: new Uint8Array(await readFile(join(tiny.checkpoint.dir, path))),
    })),
  );
  hub.addRepo({ id: "MBZUAI-Paris/Atlas-Chat-2B", commits: [{ refs: ["main"], files }] });
  env = {
    ATLAS_HOME: await scratchDir("tune-home"),
    HF_HUB_CACHE: await scratchDir("tune-cache"),
    HF_ENDPOINT: hub.url,
  };
});
afterAll(() => hub.close());

describe("data build from the hub", () => {
  it("downloads the split's files and only the tokenizer files of an unpulled model", async () => {
    const out = join(await scratchDir("tune-hub-out"));
    const { stats } = await buildSftData({
      dataset: "MBZUAI-Paris/Darija-SFT-Mixture",
      model: "atlas-chat:2b",
      out,
      maxLen: 384,
      env,
    });
    expect(stats.tokenizer).toBe("hub");
    expect(stats.files).toEqual(["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"]);
    expect(stats.totals.rows).toBe(30);
    const fetched = hub
      .contentRequests()
      .map((r) => r.file)
      .sort();
    expect(fetched).toEqual([
      "config.json",
      "data/train-00000-of-00002.parquet",
      "data/train-00001-of-00002.parquet",
      "tokenizer.model",
      "tokenizer_config.json",
    ]);
    hub.reset();
    const offline = await buildSftData({
      dataset: "MBZUAI-Paris/Darija-SFT-Mixture",
      model: "atlas-chat:2b",
      out: await scratchDir("tune-hub-offline"),
      maxLen: 384,
      env: { ...env, HF_HUB_OFFLINE: "1" },
    });
    expect(hub.requests).toHaveLength(0);
    expect(offline.stats.splits).toEqual(stats.splits);
  });
});
