/**
 * Dataset rows from local jsonl/parquet files and from a dataset repo's parquet branch on the (mock) hub
 * into the HF cache, with Python's `datasets--org--name` layout, resume-free reuse and offline mode.
 */
import { lstat, readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAtlasError } from "../../src/core/index.js";
import { downloadDatasetSplit, loadDatasetRows, PARQUET_REVISION } from "../../src/eval/index.js";
import { writeEvalFixtures } from "../helpers/eval-fixtures.js";
import { startMockHub, type MockHub } from "../helpers/mock-hub.js";
import { parquetBytes } from "../helpers/parquet-fixture.js";
import { FAST_RETRY, scratchDir } from "../hub/fixtures.js";

const ROWS = [
  {
    dataset: "doda",
    id: "1",
    direction: "dr_en",
    messages: [
      { content: "ترجم: واش", role: "user" },
      { content: "is it", role: "assistant" },
    ],
  },
  {
    dataset: "doda",
    id: "2",
    direction: "en_dr",
    messages: [
      { content: "translate: 😀 yes", role: "user" },
      { content: "إيه", role: "assistant" },
    ],
  },
];
const COLUMNS = [
  { name: "dataset", type: "string" },
  { name: "id", type: "string" },
  { name: "direction", type: "string" },
  { name: "messages", type: "messages" },
] as const;

let hub: MockHub;
let dataDir: string;

beforeAll(async () => {
  hub = await startMockHub();
  hub.addRepo({
    id: "MBZUAI-Paris/DarijaBench",
    type: "dataset",
    commits: [
      { refs: ["main"], files: [{ path: "README.md", content: new TextEncoder().encode("# bench\n") }] },
      {
        refs: [PARQUET_REVISION],
        files: [
          { path: "default/doda/0000.parquet", content: parquetBytes(ROWS.slice(0, 1), COLUMNS), lfs: true },
          { path: "default/doda/0001.parquet", content: parquetBytes(ROWS.slice(1), COLUMNS), lfs: true },
          { path: "default/partial-madar/0000.parquet", content: parquetBytes(ROWS, COLUMNS) },
        ],
      },
    ],
  });
  dataDir = await scratchDir("eval-data");
  await writeEvalFixtures(dataDir, 2);
});
afterAll(() => hub.close());

describe("local datasets", () => {
  it("reads jsonl and parquet with the hub datasets' own columns", async () => {
    const mmlu = await loadDatasetRows(
      { path: "MBZUAI-Paris/DarijaMMLU", name: "accounting", split: "test" },
      { dataDir },
    );
    expect(mmlu).toHaveLength(2);
    expect(mmlu[0]).toMatchObject({ subject: "accounting", answer: expect.any(Number) as number });
    const hella = await loadDatasetRows(
      { path: "MBZUAI-Paris/DarijaHellaSwag", name: "default", split: "validation" },
      { dataDir },
    );
    expect(hella[1]).toMatchObject({ ind: 1, label: "1" });
    expect((hella[1]!["endings"] as string[]).length).toBe(4);
    const bench = await loadDatasetRows(
      { path: "MBZUAI-Paris/DarijaBench", name: "default", split: "mac" },
      { dataDir },
    );
    expect((bench[0]!["messages"] as { role: string }[]).map((m) => m.role)).toEqual(["user", "assistant"]);
  });

  it("says where it looked when a split is missing", async () => {
    const error = await loadDatasetRows({ path: "a/b", name: "default", split: "test" }, { dataDir }).catch(
      (e: unknown) => e,
    );
    expect(isAtlasError(error, "NOT_FOUND")).toBe(true);
    expect((error as Error).message).toContain(join(dataDir, "a", "b", "default", "test.jsonl"));
  });
});

describe("hub datasets", () => {
  it("downloads a split's parquet shards into datasets--org--name and reads them in order", async () => {
    const cacheDir = await scratchDir("hf-cache");
    const options = { cacheDir, endpoint: hub.url, env: {}, retry: FAST_RETRY };
    hub.reset();
    hub.failNext(503, 1, { match: (r) => r.url.startsWith("/api/datasets/") });
    const rows = await loadDatasetRows(
      { path: "MBZUAI-Paris/DarijaBench", name: "default", split: "doda" },
      options,
    );
    expect(rows).toEqual(ROWS);
    const repoDir = join(cacheDir, "datasets--MBZUAI-Paris--DarijaBench");
    const sha = (await readFile(join(repoDir, "refs", "refs", "convert", "parquet"), "utf8")).trim();
    expect(sha).toBe(hub.repo("MBZUAI-Paris/DarijaBench").refs.get(PARQUET_REVISION));
    const shard = join(repoDir, "snapshots", sha, "default", "doda", "0000.parquet");
    expect((await lstat(shard)).isSymbolicLink()).toBe(true);
    expect(hub.requests.some((r) => r.url.startsWith("/datasets/MBZUAI-Paris/DarijaBench/resolve/"))).toBe(
      true,
    );

    // Offline: the cached snapshot, no request.
    hub.reset();
    const offline = await downloadDatasetSplit({
      ...options,
      ref: { path: "MBZUAI-Paris/DarijaBench", name: "default", split: "doda" },
      offline: true,
    });
    expect(offline.map((p) => p.split("/").at(-1))).toEqual(["0000.parquet", "0001.parquet"]);
    expect(hub.requests).toHaveLength(0);

    // Online again: files already in the cache are not downloaded twice.
    await loadDatasetRows({ path: "MBZUAI-Paris/DarijaBench", name: "default", split: "doda" }, options);
    expect(hub.contentRequests()).toHaveLength(0);
    expect(await readdir(join(repoDir, "blobs"))).toHaveLength(2);
  });

  it("reads partially converted splits and reports unknown ones", async () => {
    const cacheDir = await scratchDir("hf-cache");
    const options = { cacheDir, endpoint: hub.url, env: {}, retry: FAST_RETRY };
    expect(
      await loadDatasetRows({ path: "MBZUAI-Paris/DarijaBench", name: "default", split: "madar" }, options),
    ).toEqual(ROWS);
    const missing = await loadDatasetRows(
      { path: "MBZUAI-Paris/DarijaBench", name: "default", split: "nope" },
      options,
    ).catch((e: unknown) => e);
    expect(isAtlasError(missing, "NOT_FOUND")).toBe(true);
    expect((missing as Error).message).toContain("split 'nope'");
    const offline = await loadDatasetRows(
      { path: "MBZUAI-Paris/DarijaBench", name: "default", split: "seed" },
      { ...options, offline: true },
    ).catch((e: unknown) => e);
    expect((offline as Error).message).toContain("offline mode");
  });
});
