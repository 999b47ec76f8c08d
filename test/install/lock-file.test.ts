/**
 * `npm ci` refuses a lock file that lacks an entry for any declared dependency, optional platform packages
 * included ("Missing: @node-llama-cpp/… from lock file"). These checks fail where `npm ci` would, without
 * running it: every declared package has a lock entry at its exact pinned version, and every llama.cpp
 * platform package carries the os/cpu that lets npm skip it elsewhere (scripts/complete-lock.mjs).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

interface PackageJson {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
}
interface LockEntry {
  version?: string;
  optional?: boolean;
  dev?: boolean;
  os?: string[];
  cpu?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const read = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../../${name}`, import.meta.url), "utf8")) as T;
const pkg = read<PackageJson>("package.json");
const lock = read<{ lockfileVersion: number; packages: Record<string, LockEntry> }>("package-lock.json");

describe("package-lock.json is complete for npm ci", () => {
  it("records package.json's dependency lists exactly", () => {
    const root = lock.packages[""]!;
    expect(root.dependencies).toEqual(pkg.dependencies);
    expect(root.devDependencies).toEqual(pkg.devDependencies);
    expect(root.optionalDependencies).toEqual(pkg.optionalDependencies);
  });

  it("has an entry at the exact pinned version for every declared package", () => {
    const declared = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies };
    const wrong = Object.entries(declared)
      .filter(([name, version]) => lock.packages[`node_modules/${name}`]?.version !== version)
      .map(
        ([name, version]) => `${name}@${version}: lock has ${lock.packages[`node_modules/${name}`]?.version}`,
      );
    expect(wrong).toEqual([]);
  });

  it("pins versions exactly (no ranges) so the binaries match src/native's struct layouts", () => {
    const declared = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies };
    expect(Object.entries(declared).filter(([, v]) => !/^\d+\.\d+\.\d+$/.test(v))).toEqual([]);
  });

  it("declares llama.cpp's binaries as optional platform packages, one release, each with os/cpu", () => {
    const platform = Object.entries(pkg.optionalDependencies).filter(([n]) =>
      n.startsWith("@node-llama-cpp/"),
    );
    expect(platform.map(([n]) => n)).toEqual(
      expect.arrayContaining([
        "@node-llama-cpp/linux-x64",
        "@node-llama-cpp/mac-arm64-metal",
        "@node-llama-cpp/win-x64",
      ]),
    );
    expect(new Set(platform.map(([, v]) => v))).toEqual(new Set(["3.22.1"]));
    for (const [name] of platform) {
      const entry = lock.packages[`node_modules/${name}`]!;
      expect(entry.optional, name).toBe(true);
      expect(entry.os?.length, `${name} os`).toBeGreaterThan(0);
      expect(entry.cpu?.length, `${name} cpu`).toBeGreaterThan(0);
    }
  });

  it("does not depend on node-llama-cpp itself (only its binary packages)", () => {
    expect(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })).not.toContain("node-llama-cpp");
    expect(lock.packages["node_modules/node-llama-cpp"]).toBeUndefined();
  });
});
