import { describe, expect, it } from "vitest";
import { isCommitSha, normalizeEtag, repoCachePaths, safeRepoPath } from "./cache-layout.js";

describe("cache layout", () => {
  it("builds Python's paths", () => {
    const p = repoCachePaths("/c", "org/name");
    expect(p.root).toBe("/c/models--org--name");
    expect(p.blob("abc")).toBe("/c/models--org--name/blobs/abc");
    expect(p.incomplete("abc")).toBe("/c/models--org--name/blobs/abc.incomplete");
    expect(p.blobLock("abc")).toBe("/c/.locks/models--org--name/abc.lock");
    expect(p.snapshotFile("s".repeat(40), "a/b.json")).toBe(
      `/c/models--org--name/snapshots/${"s".repeat(40)}/a/b.json`,
    );
    expect(p.ref("refs/pr/1")).toBe("/c/models--org--name/refs/refs/pr/1");
  });

  it("normalises ETags as Python does", () => {
    expect(normalizeEtag('"abc"')).toBe("abc");
    expect(normalizeEtag('W/"abc"')).toBe("abc");
    expect(normalizeEtag("abc")).toBe("abc");
    expect(normalizeEtag(null)).toBeUndefined();
  });

  it("refuses path traversal from the listing", () => {
    for (const bad of ["../x", "/etc/passwd", "a/../../b", "a//b", "a\\b", "."])
      expect(() => safeRepoPath(bad), bad).toThrow();
    expect(() => repoCachePaths("/c", "o/n").blob("../x")).toThrow();
    expect(safeRepoPath("original/params.json")).toEqual(["original", "params.json"]);
  });

  it("recognises full commit shas", () => {
    expect(isCommitSha("a".repeat(40))).toBe(true);
    expect(isCommitSha("main")).toBe(false);
    expect(isCommitSha("A".repeat(40))).toBe(false);
  });
});
