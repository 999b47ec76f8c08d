/** downloadSnapshot against the mock hub: cache layout, reuse of a Python-made cache, offline, concurrency. */
import { lstat, mkdir, readFile, readdir, readlink, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { downloadSnapshot, isAtlasError, type SnapshotProgress } from "../../src/index.js";
import { downloadSnapshot as direct } from "../../src/hub/index.js";
import { startMockHub, type MockHub, type ServedRepo } from "../helpers/mock-hub.js";
import { CHECKPOINT_PATHS, FAST_RETRY, checkpointFiles, scratchDir } from "./fixtures.js";

const REPO = "mock-org/Tiny-Model";
let hub: MockHub;
let served: ServedRepo;
let mainSha: string;

beforeAll(async () => {
  hub = await startMockHub({ treePageSize: 4 });
  served = hub.addRepo({
    id: REPO,
    commits: [
      { refs: ["v1.0"], files: checkpointFiles(1) },
      { refs: ["main"], files: checkpointFiles(2) },
    ],
  });
  mainSha = served.refs.get("main") ?? "";
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

function options(
  cacheDir: string,
  extra: Partial<Parameters<typeof direct>[0]> = {},
): Parameters<typeof direct>[0] {
  return { repo: REPO, cacheDir, endpoint: hub.url, env: {}, retry: FAST_RETRY, ...extra };
}

describe("downloadSnapshot", () => {
  it("is exported from the library entry point", () => {
    expect(downloadSnapshot).toBe(direct);
  });

  it("writes Python's cache layout: blobs by etag, relative snapshot symlinks, refs", async () => {
    const cache = await scratchDir("layout");
    const events: SnapshotProgress[] = [];
    const result = await direct(options(cache, { onProgress: (e) => events.push(e) }));
    const root = join(cache, "models--mock-org--Tiny-Model");
    expect(result.sha).toBe(mainSha);
    expect(result.folder).toBe(join(root, "snapshots", mainSha));
    expect(await readFile(join(root, "refs", "main"), "utf8")).toBe(mainSha);
    expect((await readdir(result.folder)).sort()).toEqual(CHECKPOINT_PATHS);
    const files = served.commits.get(mainSha);
    for (const path of CHECKPOINT_PATHS) {
      const file = files?.get(path);
      const link = join(result.folder, path);
      expect((await lstat(link)).isSymbolicLink()).toBe(true);
      // LFS files are named by their sha256, small files by their git blob sha1 — as Python names them.
      expect(await readlink(link)).toBe(`../../blobs/${file?.lfs === true ? file.sha256 : file?.oid}`);
      expect(Buffer.compare(await readFile(link), Buffer.from(file?.content ?? []))).toBe(0);
    }
    expect(result.files.every((f) => f.source === "download")).toBe(true);
    expect(result.downloadedBytes).toBe(result.files.reduce((n, f) => n + f.size, 0));
    // Only what conversion needs was fetched: no .bin, original/, README, .gitattributes.
    const fetched = new Set(hub.contentRequests().map((r) => r.file));
    expect([...fetched].sort()).toEqual(CHECKPOINT_PATHS);
    // The listing was paged (page size 4) and every page was read.
    expect(hub.requests.filter((r) => r.url.includes("/tree/")).length).toBeGreaterThan(2);
    expect(events[0]).toMatchObject({ type: "resolved", sha: mainSha });
    expect(events.some((e) => e.type === "plan")).toBe(true);
    expect(events.filter((e) => e.type === "file" && e.state === "done").length).toBe(
      CHECKPOINT_PATHS.length,
    );
    // Locks are released (files removed).
    expect(await readdir(join(cache, ".locks", "models--mock-org--Tiny-Model"))).toEqual([]);
  });

  it("resolves a tag to its commit and records refs/<tag>", async () => {
    const cache = await scratchDir("tag");
    const result = await direct(options(cache, { revision: "v1.0" }));
    const tagSha = served.refs.get("v1.0") ?? "";
    expect(result.sha).toBe(tagSha);
    expect(await readFile(join(cache, "models--mock-org--Tiny-Model", "refs", "v1.0"), "utf8")).toBe(tagSha);
    // A sha revision writes no ref (as Python).
    const bySha = await direct(options(cache, { revision: tagSha }));
    expect(bySha.folder).toBe(result.folder);
    expect(await readdir(join(cache, "models--mock-org--Tiny-Model", "refs"))).toEqual(["v1.0"]);
  });

  it("downloads nested files with deeper relative links", async () => {
    const cache = await scratchDir("nested");
    const result = await direct(
      options(cache, { select: { kind: "files", paths: ["original/params.json"] } }),
    );
    const link = join(result.folder, "original", "params.json");
    const oid = served.commits.get(mainSha)?.get("original/params.json")?.oid ?? "";
    expect(await readlink(link)).toBe(`../../../blobs/${oid}`);
    expect(await readFile(link, "utf8")).toBe('{"dim": 64}\n');
  });

  it("downloads nothing from a cache Python already filled", async () => {
    const cache = await scratchDir("python");
    const root = join(cache, "models--mock-org--Tiny-Model");
    const files = served.commits.get(mainSha);
    // Lay the cache out as huggingface_hub would: blobs, relative links, refs, and filelock's empty locks.
    await mkdir(join(root, "blobs"), { recursive: true });
    await mkdir(join(root, "snapshots", mainSha), { recursive: true });
    await mkdir(join(root, "refs"), { recursive: true });
    await mkdir(join(cache, ".locks", "models--mock-org--Tiny-Model"), { recursive: true });
    for (const path of CHECKPOINT_PATHS) {
      const file = files?.get(path);
      if (file === undefined) throw new Error(path);
      await writeFile(join(root, "blobs", file.etag), file.content);
      await symlink(`../../blobs/${file.etag}`, join(root, "snapshots", mainSha, path));
      await writeFile(join(cache, ".locks", "models--mock-org--Tiny-Model", `${file.etag}.lock`), "");
    }
    await writeFile(join(root, "refs", "main"), mainSha);
    const result = await direct(options(cache));
    expect(hub.contentRequests()).toEqual([]);
    expect(result.downloadedBytes).toBe(0);
    expect(result.files.every((f) => f.source === "cache")).toBe(true);
  });

  it("links blobs already in blobs/ when only the snapshot links are missing", async () => {
    const cache = await scratchDir("shared-blobs");
    const first = await direct(options(cache));
    const { rm } = await import("node:fs/promises");
    await rm(first.folder, { recursive: true });
    hub.reset();
    const result = await direct(options(cache));
    expect(hub.contentRequests()).toEqual([]);
    expect(result.files.every((f) => f.source === "cache")).toBe(true);
    expect((await lstat(join(result.folder, "config.json"))).isSymbolicLink()).toBe(true);
  });

  it("re-hashes cached files with verifyCached and replaces a damaged blob", async () => {
    const cache = await scratchDir("verify");
    const first = await direct(options(cache));
    const shard = first.files.find((f) => f.path === "model-00002-of-00002.safetensors");
    if (shard === undefined) throw new Error("no shard");
    const damaged = Buffer.from(await readFile(shard.blobPath));
    damaged[10] = (damaged[10] ?? 0) ^ 1;
    await writeFile(shard.blobPath, damaged);
    hub.reset();
    await direct(options(cache, { verifyCached: true }));
    expect(hub.contentRequests().map((r) => r.file)).toEqual(["model-00002-of-00002.safetensors"]);
    expect(
      Buffer.compare(
        await readFile(shard.snapshotPath),
        Buffer.from(served.commits.get(mainSha)?.get(shard.path)?.content ?? []),
      ),
    ).toBe(0);
  });

  it("offline mode uses refs/ and the cache only, and says what is missing", async () => {
    const cache = await scratchDir("offline");
    await expect(direct(options(cache, { env: { HF_HUB_OFFLINE: "1" } }))).rejects.toSatisfy(
      (e) => isAtlasError(e, "NOT_FOUND") && /not in the cache \(offline mode\)/.test(e.message),
    );
    expect(hub.requests).toEqual([]);
    await direct(options(cache));
    hub.reset();
    const result = await direct(options(cache, { env: { HF_HUB_OFFLINE: "1" } }));
    expect(hub.requests).toEqual([]);
    expect(result).toMatchObject({ sha: mainSha, offline: true, downloadedBytes: 0 });
    expect(result.files.map((f) => f.path).sort()).toEqual([
      "config.json",
      "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors",
      "model.safetensors.index.json",
    ]);
    const { rm } = await import("node:fs/promises");
    await rm(join(result.folder, "model-00002-of-00002.safetensors"));
    await expect(direct(options(cache, { offline: true }))).rejects.toSatisfy(
      (e) => isAtlasError(e, "NOT_FOUND") && e.message.includes("model-00002-of-00002.safetensors"),
    );
  });

  it("two concurrent pulls of the same model both succeed and fetch each file once", async () => {
    const cache = await scratchDir("concurrent");
    const [a, b] = await Promise.all([direct(options(cache)), direct(options(cache, { concurrency: 2 }))]);
    expect(a.sha).toBe(b.sha);
    for (const path of CHECKPOINT_PATHS) {
      const size = served.commits.get(mainSha)?.get(path)?.size;
      // The second pull waited on the blob lock, then found the blob done.
      expect(hub.servedBytes.get(path)).toBe(size);
      expect(
        Buffer.compare(
          await readFile(join(a.folder, path)),
          Buffer.from(served.commits.get(mainSha)?.get(path)?.content ?? []),
        ),
      ).toBe(0);
    }
    expect(a.downloadedBytes + b.downloadedBytes).toBe(a.files.reduce((n, f) => n + f.size, 0));
  });

  it("rejects a repo without safetensors, pointing at its GGUF files", async () => {
    const cache = await scratchDir("gguf-only");
    hub.addRepo({
      id: "mock-org/Only-GGUF",
      commits: [
        {
          files: [
            { path: "model-Q8_0.gguf", content: new Uint8Array(64) },
            { path: "README.md", content: new Uint8Array(4) },
          ],
        },
      ],
    });
    await expect(direct(options(cache, { repo: "mock-org/Only-GGUF" }))).rejects.toSatisfy(
      (e) =>
        isAtlasError(e, "UNSUPPORTED") &&
        e.message.includes("--file") &&
        e.message.includes("model-Q8_0.gguf"),
    );
    await expect(
      direct(options(cache, { repo: "mock-org/Only-GGUF", select: { kind: "files", paths: ["nope.gguf"] } })),
    ).rejects.toSatisfy((e) => isAtlasError(e, "NOT_FOUND") && e.message.includes("model-Q8_0.gguf"));
  });
});

describe("downloadSnapshot with the hub's relative redirects for small files", () => {
  it("follows /api/resolve-cache redirects and reads the file's ETag after them", async () => {
    const redirecting = await startMockHub({ relativeRedirects: true });
    try {
      const repo = redirecting.addRepo({ id: REPO, commits: [{ files: checkpointFiles(8) }] });
      const cache = await scratchDir("relative");
      const result = await direct({ ...options(cache), endpoint: redirecting.url });
      const sha = repo.refs.get("main") ?? "";
      expect(await readFile(join(result.folder, "config.json"), "utf8")).toBe(
        Buffer.from(repo.commits.get(sha)?.get("config.json")?.content ?? []).toString("utf8"),
      );
      const configRequests = redirecting.requests
        .filter((r) => r.file === "config.json")
        .map((r) => r.url.split("?")[0]);
      expect(configRequests).toEqual([
        `/${REPO}/resolve/${sha}/config.json`,
        `/api/resolve-cache/models/${REPO}/${sha}/config.json`,
      ]);
    } finally {
      await redirecting.close();
    }
  });
});

describe("downloadSnapshot against the hub's encodings and renames", () => {
  it("asks for identity: the hub would gzip small files, which breaks sizes and Range resume", async () => {
    const cache = await scratchDir("identity");
    hub.dropConnection("tokenizer_config.json", 10, 1);
    const result = await direct(options(cache));
    const small = hub.requests.filter((r) => r.url.startsWith("/api/resolve-cache/"));
    expect(small.length).toBeGreaterThan(0);
    expect(small.map((r) => r.headers["accept-encoding"])).toEqual(small.map(() => "identity"));
    // The dropped small file resumed with a Range the hub could honour (an encoded answer ignores it).
    expect(
      hub.requests
        .filter((r) => r.file === "tokenizer_config.json" && r.content)
        .map((r) => r.headers["range"]),
    ).toEqual([undefined, "bytes=10-"]);
    const file = served.commits.get(mainSha)?.get("tokenizer_config.json");
    expect(await readFile(join(result.folder, "tokenizer_config.json"))).toEqual(
      Buffer.from(file?.content ?? []),
    );
  });

  it("a server that gzips anyway (a proxy rewriting the request) still gives verified bytes", async () => {
    const cache = await scratchDir("gzip-anyway");
    const forceGzip: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.delete("range");
      headers.set("accept-encoding", "gzip");
      return fetch(input, { ...init, headers });
    };
    const result = await direct(options(cache, { fetch: forceGzip }));
    const config = served.commits.get(mainSha)?.get("config.json");
    expect(await readFile(join(result.folder, "config.json"))).toEqual(Buffer.from(config?.content ?? []));
  });

  it("follows a renamed repo's relative 307s and keeps the cache under the id asked for (as Python)", async () => {
    hub.addRepo({
      id: "mock-org/Now-Named",
      formerIds: ["mock-org/Once-Named"],
      commits: [{ files: checkpointFiles(12) }],
    });
    const cache = await scratchDir("renamed");
    const result = await direct(options(cache, { repo: "mock-org/Once-Named" }));
    expect(result.folder.startsWith(join(cache, "models--mock-org--Once-Named"))).toBe(true);
    expect(
      hub.requests.filter((r) => r.status === 307 && r.url.includes("Once-Named")).length,
    ).toBeGreaterThan(0);
    expect(result.sha).toBe(hub.repo("mock-org/Now-Named").refs.get("main"));
  });
});
