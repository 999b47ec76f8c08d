/**
 * The data side of the mock hub: repos, commits and files, with the ids the real hub computes
 * (git blob sha1, LFS sha256, LFS pointer oid) so clients see realistic ETags and listings.
 */
import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/** One file of a mock commit. */
export interface MockFile {
  path: string;
  content: Uint8Array;
  /** Stored in LFS (served through a redirect to the CDN). Default: by extension, as `.gitattributes` would. */
  lfs?: boolean;
}

/** One commit; `refs` are the branch/tag names pointing at it. */
export interface MockCommit {
  sha?: string;
  refs?: string[];
  files: MockFile[];
}

/** One repo of the mock hub. */
export interface MockRepoOptions {
  id: string;
  /** A model repo (default) or a dataset repo (served under `/api/datasets/…` and `/datasets/…`). */
  type?: "model" | "dataset";
  commits: MockCommit[];
  /** Gated like Atlas-Chat: files need a token whose owner accepted the license. */
  gated?: boolean;
  /** Private: invisible (401/404) without a token granted access. */
  private?: boolean;
  /** Ids the repo had before a rename: requests for them get a relative 307 to the new id. */
  formerIds?: string[];
}

/** A file with everything the hub derives from it. */
export interface ServedFile {
  path: string;
  content: Uint8Array;
  size: number;
  lfs: boolean;
  /** git blob sha1 of the content (small files) or of the LFS pointer (LFS files). */
  oid: string;
  sha256: string;
  /** What clients must use as blob name: sha256 for LFS, oid else. */
  etag: string;
}

/** A repo with its commits indexed. */
export interface ServedRepo {
  id: string;
  type: "model" | "dataset";
  gated: boolean;
  private: boolean;
  commits: Map<string, Map<string, ServedFile>>;
  refs: Map<string, string>;
  lastModified: string;
  formerIds: string[];
}

const LFS_EXTENSIONS = [".safetensors", ".bin", ".pt", ".pth", ".model", ".gguf", ".onnx", ".msgpack", ".h5"];
// Gemma's .gitattributes (and so Atlas-Chat's) also puts tokenizer.json (17 MB) in LFS.
const LFS_NAMES = ["tokenizer.json"];

/** git's blob id: sha1 of `blob <size>\0<content>`. */
export function gitBlobSha1(content: Uint8Array): string {
  return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}

export function sha256Hex(content: Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

function serveFile(file: MockFile): ServedFile {
  const lfs =
    file.lfs ??
    (LFS_EXTENSIONS.some((ext) => file.path.endsWith(ext)) ||
      LFS_NAMES.includes(file.path.split("/").pop() ?? ""));
  const sha256 = sha256Hex(file.content);
  const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${file.content.length}\n`;
  const oid = gitBlobSha1(lfs ? new TextEncoder().encode(pointer) : file.content);
  return {
    path: file.path,
    content: file.content,
    size: file.content.length,
    lfs,
    oid,
    sha256,
    etag: lfs ? sha256 : oid,
  };
}

/** Indexes a repo: computes file ids and commit shas (deterministic when not given). */
export function buildServedRepo(options: MockRepoOptions): ServedRepo {
  const commits = new Map<string, Map<string, ServedFile>>();
  const refs = new Map<string, string>();
  options.commits.forEach((commit, index) => {
    const files = new Map(commit.files.map((f) => [f.path, serveFile(f)] as const));
    const sha =
      commit.sha ??
      createHash("sha1")
        .update(
          `${options.id}\n${index}\n${[...files.values()].map((f) => `${f.path}:${f.etag}`).join("\n")}`,
        )
        .digest("hex");
    commits.set(sha, files);
    for (const ref of commit.refs ?? (index === options.commits.length - 1 ? ["main"] : []))
      refs.set(ref, sha);
  });
  return {
    id: options.id,
    type: options.type ?? "model",
    gated: options.gated ?? false,
    private: options.private ?? false,
    commits,
    refs,
    lastModified: "2024-09-26T12:00:00.000Z",
    formerIds: options.formerIds ?? [],
  };
}

/** Reads every file under `dir` (recursively) as mock files. */
export async function mockFilesFromFolder(dir: string): Promise<MockFile[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: MockFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    files.push({ path: relative(dir, full).split(sep).join("/"), content: await readFile(full) });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Files a real model repo holds that a pull must NOT download: PyTorch weights, Meta's `original/`
 * folder, the model card and `.gitattributes`.
 */
export function extraRepoFiles(): MockFile[] {
  const bytes = (n: number, seed: number): Uint8Array =>
    Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);
  return [
    { path: "pytorch_model.bin", content: bytes(4096, 1) },
    { path: "original/consolidated.00.pth", content: bytes(2048, 2) },
    { path: "original/params.json", content: new TextEncoder().encode('{"dim": 64}\n') },
    { path: "README.md", content: new TextEncoder().encode("---\nlicense: gemma\n---\n# tiny model\n") },
    {
      path: ".gitattributes",
      content: new TextEncoder().encode("*.safetensors filter=lfs diff=lfs merge=lfs -text\n"),
    },
  ];
}

/** Deterministic pseudo-random bytes (for synthetic LFS files in downloader tests). */
export function patternBytes(size: number, seed = 7): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}

/** Tree API entries (files and, as the hub lists them, directories) under `prefix`. */
export function treeEntries(files: Map<string, ServedFile>, prefix: string, recursive: boolean): unknown[] {
  const entries = new Map<string, unknown>();
  for (const file of files.values()) {
    if (prefix !== "" && !file.path.startsWith(`${prefix}/`)) continue;
    const rest = prefix === "" ? file.path : file.path.slice(prefix.length + 1);
    const parts = rest.split("/");
    for (let depth = 1; depth < parts.length; depth++) {
      if (!recursive && depth > 1) break;
      const dir = [prefix, ...parts.slice(0, depth)].filter((p) => p !== "").join("/");
      entries.set(dir, { type: "directory", oid: "0".repeat(40), size: 0, path: dir });
    }
    if (!recursive && parts.length > 1) continue;
    entries.set(file.path, {
      type: "file",
      oid: file.oid,
      size: file.size,
      path: file.path,
      ...(file.lfs ? { lfs: { oid: file.sha256, size: file.size, pointerSize: 134 } } : {}),
    });
  }
  return [...entries.values()];
}
