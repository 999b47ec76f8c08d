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
    // Small files: a relative 307 (Python follows only relative redirects for metadata), then the file,
    // with its real size when asked for `identity` as huggingface_hub's HEAD does.
    const head = await fetch(`${hub.url}/${REPO}/resolve/main/config.json`, {
      method: "HEAD",
      redirect: "manual",
      headers: { "accept-encoding": "identity" },
    });
    expect(head.status).toBe(307);
    const location = head.headers.get("location") ?? "";
    expect(location.startsWith(`/api/resolve-cache/models/${REPO}/${sha}/config.json`)).toBe(true);
    const small = await fetch(new URL(location, hub.url), {
      method: "HEAD",
      headers: { "accept-encoding": "identity" },
    });
    expect(small.status).toBe(200);
    expect(small.headers.get("etag")).toBe(`"${served.commits.get(sha)?.get("config.json")?.oid}"`);
    expect(small.headers.get("content-length")).toBe(
      String(served.commits.get(sha)?.get("config.json")?.size),
    );
  });

  it("gzip-encodes small text files for clients that accept it (no Content-Length, Range ignored)", async () => {
    const url = `${hub.url}/api/resolve-cache/models/${REPO}/${sha}/config.json`;
    const content = Buffer.from(served.commits.get(sha)?.get("config.json")?.content ?? []);
    const { request } = await import("node:http");
    const raw = await new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
      request(url, { headers: { "accept-encoding": "gzip", range: "bytes=2-5" } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      })
        .on("error", reject)
        .end();
    });
    expect(raw.status).toBe(200);
    expect(raw.headers["content-encoding"]).toBe("gzip");
    expect(raw.headers["content-length"]).toBeUndefined();
    expect(raw.headers["transfer-encoding"]).toBe("chunked");
    // fetch decodes it transparently.
    expect(Buffer.from(await (await fetch(url)).arrayBuffer())).toEqual(content);
    // identity: the bytes and ranges as usual.
    const part = await fetch(url, { headers: { "accept-encoding": "identity", range: "bytes=2-5" } });
    expect([part.status, part.headers.get("content-encoding")]).toEqual([206, null]);
  });

  it("the CDN takes only its signed URL: an Authorization header or an altered signature is refused", async () => {
    const resolve = await fetch(`${hub.url}/${REPO}/resolve/${sha}/tokenizer.model`, { redirect: "manual" });
    const signed = resolve.headers.get("location") ?? "";
    expect(new URL(signed).searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    const withAuth = await fetch(signed, { headers: { authorization: "Bearer hf_anything" } });
    expect(withAuth.status).toBe(400);
    expect(await withAuth.text()).toContain(
      "<Code>InvalidArgument</Code><Message>Only one auth mechanism allowed",
    );
    const tampered = new URL(signed);
    tampered.searchParams.set("x-path", "model-00001-of-00002.safetensors");
    expect((await fetch(tampered)).status).toBe(403);
    const ok = await fetch(signed);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer())).toEqual(
      Buffer.from(served.commits.get(sha)?.get("tokenizer.model")?.content ?? []),
    );
  });

  it("sends RateLimit headers on every hub answer and 429 past the quota", async () => {
    const limited = await startMockHub({ rateLimits: { api: { quota: 2, windowSeconds: 300 } } });
    try {
      limited.addRepo({ id: REPO, commits: [{ files: checkpointFiles(9) }] });
      const info = `${limited.url}/api/models/${REPO}`;
      const first = await fetch(info);
      expect(first.headers.get("ratelimit")).toMatch(/^"api";r=1;t=(300|299)$/);
      expect(first.headers.get("ratelimit-policy")).toBe('"fixed window";"api";q=2;w=300');
      expect((await fetch(info)).headers.get("ratelimit")).toMatch(/^"api";r=0;t=/);
      const refused = await fetch(info);
      expect(refused.status).toBe(429);
      expect(refused.headers.get("ratelimit")).toMatch(/^"api";r=0;t=\d+$/);
      expect(refused.headers.get("retry-after")).toBeNull();
      // Resolvers are another bucket.
      const file = await fetch(`${limited.url}/${REPO}/resolve/main/config.json`, { redirect: "manual" });
      expect(file.headers.get("ratelimit")).toMatch(/^"resolvers";r=\d+;t=\d+$/);
    } finally {
      await limited.close();
    }
  });

  it("answers a renamed repo's old id with relative 307s to the new one", async () => {
    hub.addRepo({
      id: "new-org/Renamed",
      formerIds: ["old-org/Former"],
      commits: [{ files: checkpointFiles(10) }],
    });
    const api = await fetch(`${hub.url}/api/models/old-org/Former/revision/main`, { redirect: "manual" });
    expect([api.status, api.headers.get("location")]).toEqual([
      307,
      "/api/models/new-org/Renamed/revision/main",
    ]);
    const file = await fetch(`${hub.url}/old-org/Former/resolve/main/config.json`, { redirect: "manual" });
    expect([file.status, file.headers.get("location")]).toEqual([
      307,
      "/new-org/Renamed/resolve/main/config.json",
    ]);
    expect((await fetch(`${hub.url}/api/models/old-org/Former`)).status).toBe(200);
  });

  it("refuses unknown and expired tokens with 401 even for a public repo", async () => {
    const strict = await startMockHub({ tokens: { hf_old: { repos: ["*"], expired: true } } });
    try {
      strict.addRepo({ id: REPO, commits: [{ files: checkpointFiles(9) }] });
      for (const token of ["hf_old", "hf_unknown"]) {
        const answer = await fetch(`${strict.url}/api/models/${REPO}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect([answer.status, answer.headers.get("x-error-message")]).toEqual([
          401,
          "Invalid credentials in Authorization header",
        ]);
      }
      expect((await fetch(`${strict.url}/api/models/${REPO}`)).status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it("pages tree listings with opaque cursors and absolute Link URLs", async () => {
    const page = await fetch(`${hub.url}/api/models/${REPO}/tree/${sha}?recursive=true`);
    const link = page.headers.get("link") ?? "";
    const next = /^<([^>]+)>; rel="next"$/.exec(link)?.[1] ?? "";
    expect(next.startsWith(`${hub.url}/api/models/${REPO}/tree/${sha}?`)).toBe(true);
    expect(new URL(next).searchParams.get("recursive")).toBe("true");
    expect(new URL(next).searchParams.get("cursor")).not.toMatch(/^\d+$/);
    expect(((await page.json()) as unknown[]).length).toBe(3);
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
