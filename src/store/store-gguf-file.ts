/**
 * `atlas pull <org>/<repo>-GGUF --file x.gguf`: the downloaded GGUF goes into the store as it is,
 * named after its quantization (`general.file_type`, or the file name). It is hard-linked from the HF
 * blob (no extra disk space, and it survives a cleaned HF cache), or copied across file systems.
 */
import { link, realpath, stat } from "node:fs/promises";
import { AtlasError, fileTypeName, linkAtomically, withLock } from "../core/index.js";
import { ggufNumber, readGguf } from "../convert/index.js";
import { storePaths } from "./store-layout.js";

/** Options of {@link storeGgufFile}. */
export interface StoreGgufFileOptions {
  atlasHome: string;
  repo: string;
  sha: string;
  /** The file in the HF snapshot. */
  snapshotFile: string;
  /** Its name in the repo (used for the quant when the header has no file type). */
  fileName: string;
  signal?: AbortSignal | undefined;
  lockTimeoutMs?: number | undefined;
  onWait?: (() => void) | undefined;
}

/** What {@link storeGgufFile} stored. */
export interface StoreGgufFileResult {
  quant: string;
  bytes: number;
  fileType: number | undefined;
  /** False when the same file was already in the store. */
  written: boolean;
}

/** `Atlas-Chat-2B.Q4_K_M.gguf` → `q4_k_m`. */
export function quantFromFileName(name: string): string | undefined {
  const match = /(?:^|[-._])((?:I?Q\d(?:_[A-Z0-9]+)*)|BF16|F16|F32)(?=[-._]|$)/i.exec(
    name.replace(/\.gguf$/i, ""),
  );
  return match?.[1]?.toLowerCase();
}

/** The quant name of a GGUF: from its header's file type, else its file name, else "gguf". */
export function quantOfGguf(fileType: number | undefined, fileName: string): string {
  const fromHeader = fileType === undefined ? undefined : fileTypeName(fileType);
  if (fromHeader !== undefined && !fromHeader.startsWith("file type")) return fromHeader.toLowerCase();
  return quantFromFileName(fileName) ?? "gguf";
}

/**
 * Validates the GGUF header (a corrupt or non-GGUF file fails with INVALID_MODEL) and stores the file
 * under `<sha>/<quant>.gguf`.
 * @throws AtlasError UNSUPPORTED for split GGUFs (`-00001-of-0000N.gguf`).
 */
export async function storeGgufFile(options: StoreGgufFileOptions): Promise<StoreGgufFileResult> {
  const gguf = await readGguf(options.snapshotFile);
  const splits = ggufNumber(gguf, "split.count");
  if (splits !== undefined && splits > 1)
    throw new AtlasError("UNSUPPORTED", `${options.fileName} is one part of a ${splits}-part split GGUF`, {
      hint: "pick a single-file GGUF of the repository",
    });
  const fileType = ggufNumber(gguf, "general.file_type");
  const quant = quantOfGguf(fileType, options.fileName);
  const paths = storePaths(options.atlasHome);
  const target = paths.gguf(options.repo, options.sha, quant);
  return withLock(
    paths.quantLock(options.repo, options.sha, quant),
    {
      timeoutMs: options.lockTimeoutMs ?? 3 * 3600_000,
      signal: options.signal,
      purpose: `store of ${options.repo} ${quant}`,
      pruneFolder: true,
      ...(options.onWait === undefined ? {} : { onWait: () => options.onWait?.() }),
    },
    async () => {
      const existing = await stat(target).then(
        (s) => s.size,
        () => undefined,
      );
      if (existing === gguf.size) return { quant, bytes: gguf.size, fileType, written: false };
      const source = await realpath(options.snapshotFile);
      await linkAtomically(target, source, {
        link: (temp) => link(source, temp),
        copyOn: ["EXDEV", "EPERM", "ENOTSUP", "EMLINK"],
        action: "cannot store the GGUF file",
      });
      return { quant, bytes: gguf.size, fileType, written: true };
    },
  );
}
