#!/usr/bin/env node
/**
 * Completes package-lock.json with the llama.cpp platform packages that npm could not resolve here.
 *
 * Why: we declare every `@node-llama-cpp/<platform>` binary package of the pinned release as an optional
 * dependency (npm installs only the one matching `os`/`cpu`). When the registry a lock file is made against
 * does not serve some of them at that version (the one this project is developed against serves the Linux
 * packages of 3.22.1 but the macOS/Windows/riscv64 ones only up to 3.21.1), `npm install` silently leaves
 * them out of the lock, and `npm ci` then refuses the lock ("Missing: @node-llama-cpp/… from lock file").
 * A lock entry with the package's `os`/`cpu` is all `npm ci` needs to skip it on other platforms; on its own
 * platform npm fetches it from `resolved`.
 *
 * What it writes, for each declared `@node-llama-cpp/*` optional dependency absent from the lock: version,
 * the registry's tarball URL, `optional: true`, and `os`/`cpu` as the registry states them for that package
 * (at the pinned version when served, else at its newest served version: the platform of a binary package
 * does not change between releases). No integrity is invented: npm records it the first time it fetches.
 *
 * Run after `npm install` whenever dependencies change: `node scripts/complete-lock.mjs` (`--check` exits 1
 * if something is missing, without writing). test/install/lock-file.test.ts checks the result.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const lockPath = join(root, "package-lock.json");
const lock = JSON.parse(readFileSync(lockPath, "utf8"));
const check = process.argv.includes("--check");

/** `os`/`cpu` of a package as the registry states them. */
function platformOf(name, version) {
  for (const spec of [`${name}@${version}`, name]) {
    try {
      const out = execFileSync("npm", ["view", spec, "os", "cpu", "license", "--json"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      });
      const info = JSON.parse(out);
      if (Array.isArray(info.os) && Array.isArray(info.cpu)) return info;
    } catch {
      // not served at this version: try the newest
    }
  }
  throw new Error(`the registry knows no os/cpu for ${name}; add its lock entry by hand`);
}

const missing = Object.entries(pkg.optionalDependencies ?? {}).filter(
  ([name]) => name.startsWith("@node-llama-cpp/") && lock.packages[`node_modules/${name}`] === undefined,
);
if (check) {
  for (const [name] of missing) console.error(`missing from package-lock.json: ${name}`);
  process.exit(missing.length === 0 ? 0 : 1);
}
for (const [name, version] of missing) {
  const { os, cpu, license } = platformOf(name, version);
  const base = name.split("/")[1];
  lock.packages[`node_modules/${name}`] = {
    version,
    resolved: `https://registry.npmjs.org/${name}/-/${base}-${version}.tgz`,
    ...(license === undefined ? {} : { license }),
    optional: true,
    os,
    cpu,
  };
  console.log(`added ${name}@${version} (${os.join(",")} ${cpu.join(",")})`);
}
// Keep npm's own key order (sorted paths) so a later `npm install` does not rewrite the file.
const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) =>
    a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0,
  ),
);
lock.packages = sorted;
const tmp = `${lockPath}.tmp-${process.pid}`;
writeFileSync(tmp, `${JSON.stringify(lock, null, 2)}\n`);
renameSync(tmp, lockPath);
