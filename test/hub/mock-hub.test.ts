/** The mock hub answers the way @huggingface/hub and Python's huggingface_hub expect the real hub to. */
import { downloadFile, listFiles, modelInfo, pathsInfo } from "@huggingface/hub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockHub, type MockHub, type ServedRepo } from "../helpers/mock-hub.js";
import { checkpointFiles } from "./fixtures.js";

const REPO = "mock-org/Api";
let hub: MockHub;
let served: ServedRepo;
let sha: string;

beforeAll(async () => {
  hub = await startMockHub({ treePageSize: 3 });
  served = hub.addRepo({ id: REPO, commits: [{ files: checkpointFiles(9) }] });
  sha = served.refs.get("main") ?? "";
});
afterAll(() => hub.close());

describe("mock hub", () => {
  it("serves @huggingface/hub's modelInfo, listFiles (paged), pathsInfo and downloadFile", async () => {
    const info = await modelInfo({ name: REPO, hubUrl: hub.url, additionalFields: ["sha"] });
    expect(info.sha).toBe(sha);
    const listed = [];
    for await (const entry of listFiles({ repo: REPO, hubUrl: hub.url, recursive: true })) listed.push(entry);
    expect(listed.filter((e) => e.type === "file")).toHaveLength(served.commits.get(sha)?.size ?? -1);
    expect(listed.find((e) => e.path === "original")?.type).toBe("directory");
    const infos = await pathsInfo({
      repo: REPO,
      hubUrl: hub.url,
      paths: ["config.json", "tokenizer.model"],
      expand: true,
    });
    expect(infos.map((i) => i.path)).toEqual(["config.json", "tokenizer.model"]);
    expect(infos[1]?.lfs?.oid).toBe(served.commits.get(sha)?.get("tokenizer.model")?.sha256);
    const blob = await downloadFile({ repo: REPO, hubUrl: hub.url, path: "tokenizer.model" });
    expect(Buffer.from((await blob?.arrayBuffer()) ?? new ArrayBuffer(0))).toEqual(
      Buffer.from(served.commits.get(sha)?.get("tokenizer.model")?.content ?? []),
    );
  });

  it("answers HEAD on resolve as Python's hf_hub_download needs (LFS: 302 + linked etag/size)", async () => {
    const lfs = await fetch(`${hub.url}/${REPO}/resolve/main/model-00001-of-00002.safetensors`, {
      method: "HEAD",
      redirect: "manual",
    });
    const file = served.commits.get(sha)?.get("model-00001-of-00002.safetensors");
    expect(lfs.status).toBe(302);
    expect(lfs.headers.get("x-repo-commit")).toBe(sha);
    expect(lfs.headers.get("x-linked-etag")).toBe(`"${file?.sha256}"`);
    expect(lfs.headers.get("x-linked-size")).toBe(String(file?.size));
    expect(lfs.headers.get("location")?.startsWith(hub.cdnUrl)).toBe(true);
    const small = await fetch(`${hub.url}/${REPO}/resolve/main/config.json`, { method: "HEAD" });
    expect(small.status).toBe(200);
    expect(small.headers.get("etag")).toBe(`"${served.commits.get(sha)?.get("config.json")?.oid}"`);
    expect(small.headers.get("content-length")).toBe(
      String(served.commits.get(sha)?.get("config.json")?.size),
    );
  });

  it("serves ranges (206 / 416) and the hub's error codes", async () => {
    const url = `${hub.url}/${REPO}/resolve/${sha}/config.json`;
    const part = await fetch(url, { headers: { range: "bytes=2-5" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toMatch(/^bytes 2-5\/\d+$/);
    expect((await part.arrayBuffer()).byteLength).toBe(4);
    const past = await fetch(url, { headers: { range: "bytes=99999-" } });
    expect(past.status).toBe(416);
    const missing = await fetch(`${hub.url}/${REPO}/resolve/${sha}/nope.json`);
    expect([missing.status, missing.headers.get("x-error-code")]).toEqual([404, "EntryNotFound"]);
    const rev = await fetch(`${hub.url}/api/models/${REPO}/revision/nope`);
    expect([rev.status, rev.headers.get("x-error-code")]).toEqual([404, "RevisionNotFound"]);
    const repo = await fetch(`${hub.url}/api/models/no/such`);
    expect([repo.status, repo.headers.get("x-error-code")]).toEqual([401, "RepoNotFound"]);
  });
});
