/**
 * Finds the prebuilt llama.cpp libraries that node-llama-cpp ships in its `@node-llama-cpp/<platform>`
 * packages, so we can call the C API directly (koffi) without compiling anything.
 */
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { AtlasError } from "../core/index.js";
import { llamaLibDirOverride } from "../config/index.js";

/**
 * The llama.cpp release whose C structs `llama-api.ts` mirrors. The library file names embed the tag;
 * a different release would have a different struct layout, so we refuse it instead of crashing.
 */
export const SUPPORTED_LLAMA_RELEASE = "v0.5.0";

/** Compute backends node-llama-cpp ships prebuilt. */
export type LlamaBackendKind = "cpu" | "cuda" | "vulkan" | "metal";

/** Where one backend's libraries are. */
export interface LlamaLibraryFiles {
  backend: LlamaBackendKind;
  /** Folder holding libllama, libggml and the ggml backend plugins. */
  dir: string;
  llamaPath: string;
  ggmlPath: string;
  release: string;
  /** Extra backend plugins to try when the folder's own fail to load (CUDA 12 fallback build). */
  fallbackPlugins: string[];
}

const requireFromHere = createRequire(import.meta.url);

function platformPackage(backend: LlamaBackendKind): string | undefined {
  const { platform, arch } = process;
  if (platform === "linux") {
    const base = `linux-${arch === "arm" ? "armv7l" : arch}`;
    if (backend === "cpu") return base;
    if (arch !== "x64" || backend === "metal") return undefined;
    return `${base}-${backend}`;
  }
  if (platform === "darwin") {
    if (backend === "metal" && arch === "arm64") return "mac-arm64-metal";
    if (backend === "cpu") return arch === "arm64" ? "mac-arm64-metal" : "mac-x64";
    return undefined;
  }
  if (platform === "win32") {
    const base = `win-${arch}`;
    if (backend === "cpu") return base;
    if (backend === "metal") return undefined;
    return `${base}-${backend}`;
  }
  return undefined;
}

function packageBinDir(pkg: string): string | undefined {
  try {
    // The packages' "exports" hide package.json, so resolve the entry (dist/index.js) and walk up.
    const root = dirname(dirname(requireFromHere.resolve(`@node-llama-cpp/${pkg}`)));
    const bins = join(root, "bins");
    if (!existsSync(bins)) return undefined;
    const sub = readdirSync(bins).find((entry) => existsSync(join(bins, entry)));
    return sub === undefined ? undefined : join(bins, sub);
  } catch {
    return undefined;
  }
}

const LIB_PATTERN = /^(?:lib)?(llama|ggml)(?:\.([a-z]+))?\.(v\d+\.\d+\.\d+)\.(?:so|dylib|dll)$/;

/** Scans a folder for `libllama[.variant].vX.Y.Z.so` and its matching libggml. */
export function findLibrariesIn(dir: string, backend: LlamaBackendKind): LlamaLibraryFiles | undefined {
  if (!existsSync(dir)) return undefined;
  let llamaPath: string | undefined;
  let ggmlPath: string | undefined;
  let release: string | undefined;
  for (const entry of readdirSync(dir)) {
    const match = LIB_PATTERN.exec(entry);
    if (match === null) continue;
    if (match[1] === "llama") {
      llamaPath = join(dir, entry);
      release = match[3];
    } else {
      ggmlPath = join(dir, entry);
    }
  }
  if (llamaPath === undefined || ggmlPath === undefined || release === undefined) return undefined;
  return { backend, dir, llamaPath, ggmlPath, release, fallbackPlugins: [] };
}

/**
 * Locates the libraries for `backend`. `$ATLAS_LLAMA_LIB_DIR` overrides the search.
 * @throws AtlasError UNSUPPORTED when the platform/backend has no prebuilt package installed
 */
export function locateLlamaLibrary(backend: LlamaBackendKind): LlamaLibraryFiles {
  const override = llamaLibDirOverride();
  if (override !== undefined) {
    const files = findLibrariesIn(override, backend);
    if (files === undefined) {
      throw new AtlasError("NOT_FOUND", "no libllama.<release>.so / libggml.<release>.so found there", {
        where: `ATLAS_LLAMA_LIB_DIR=${override}`,
        hint: "point it at a folder from an @node-llama-cpp/<platform>/bins package, or unset it",
      });
    }
    return checkRelease(files);
  }
  const pkg = platformPackage(backend);
  const dir = pkg === undefined ? undefined : packageBinDir(pkg);
  const files = dir === undefined ? undefined : findLibrariesIn(dir, backend);
  if (files === undefined) {
    throw new AtlasError(
      "UNSUPPORTED",
      `no prebuilt llama.cpp ${backend.toUpperCase()} library for ${process.platform}-${process.arch}` +
        (pkg === undefined ? "" : ` (package @node-llama-cpp/${pkg} is not installed)`),
      {
        hint:
          backend === "cpu" ? "run `npm install` again" : "use --gpu cpu, or install the matching package",
      },
    );
  }
  if (backend === "cuda") {
    const ext = packageBinDir(`${pkg ?? ""}-ext`);
    const fallback = ext === undefined ? undefined : join(ext, "fallback", "libggml-cuda.so");
    if (fallback !== undefined && existsSync(fallback)) files.fallbackPlugins.push(fallback);
  }
  return checkRelease(files);
}

function checkRelease(files: LlamaLibraryFiles): LlamaLibraryFiles {
  if (files.release !== SUPPORTED_LLAMA_RELEASE) {
    throw new AtlasError(
      "UNSUPPORTED",
      `llama.cpp release ${files.release} found at ${files.dir}, but atlas's bindings are written for ${SUPPORTED_LLAMA_RELEASE}`,
      { hint: "install the pinned node-llama-cpp (npm install), whose libraries match" },
    );
  }
  return files;
}
