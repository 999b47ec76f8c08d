/**
 * llama.cpp's whole-file quantizer (`llama_model_quantize`, what `llama-quantize` runs) on an F32/F16/BF16
 * GGUF, in a child process (see quantize-worker.ts). `atlas convert` writes K-quants in one pass instead
 * (k-quant-plan.ts + quantize-rows.ts); this is the reference its output is tested against, tensor by
 * tensor, and a way to requantize an existing GGUF.
 */
import { fork } from "node:child_process";
import { rm, statfs } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { AtlasError, isAtlasError, onForcedExit } from "../core/index.js";
import { defaultThreads } from "../config/index.js";
import type { QuantizeMessage, QuantizeRequest } from "./quantize-worker.js";
import { locateLlamaLibrary } from "./locate-library.js";

/** Options of {@link quantizeGguf}. */
export interface QuantizeOptions {
  /** An F32/F16/BF16 GGUF. */
  input: string;
  /** Where to write the result (the caller renames it into place). Removed on failure. */
  output: string;
  /** A `llama_ftype` (see `LLAMA_FILE_TYPES` in core). */
  ftype: number;
  /** Worker threads; default: the machine's cores. */
  threads?: number;
  signal?: AbortSignal;
  /** Called after each tensor: 1-based index, tensor count, GGUF tensor name. */
  onTensor?: (index: number, total: number, name: string) => void;
}

/**
 * llama.cpp reports a failed write as "basic_ios::clear: iostream error", without the reason: when it
 * fails with the output's file system (nearly) full, that was the reason. Checked before the partial
 * output is removed, while it still takes its space.
 */
async function diskFull(output: string): Promise<boolean> {
  try {
    const fs = await statfs(dirname(output));
    return fs.bavail * fs.bsize < FULL_DISK_BYTES;
  } catch {
    return false;
  }
}

/** Less free space than this after a failed write means the disk filled up. */
const FULL_DISK_BYTES = 1 << 20;

function workerEntry(): { path: string; execArgv: string[] } {
  const self = fileURLToPath(import.meta.url);
  // From the compiled dist/ the worker is plain JS; from sources (tests) it needs the TS loader.
  if (self.endsWith(".ts"))
    return { path: self.replace(/quantize\.ts$/, "quantize-worker.ts"), execArgv: ["--import", "tsx"] };
  return { path: self.replace(/quantize\.js$/, "quantize-worker.js"), execArgv: [] };
}

/**
 * Quantizes `input` into `output` with llama.cpp.
 * @throws AtlasError UNSUPPORTED when this platform has no prebuilt libllama; NATIVE when quantization
 *   fails (message includes llama.cpp's own error lines); ABORTED on `signal`
 */
export async function quantizeGguf(options: QuantizeOptions): Promise<void> {
  locateLlamaLibrary("cpu"); // fail fast, in-process, with the clear "no library" message
  options.signal?.throwIfAborted();
  const { path, execArgv } = workerEntry();
  const child = fork(path, [], {
    execArgv,
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    serialization: "json",
  });
  // A forced exit (second Ctrl-C) must not leave llama.cpp writing a file nobody will use.
  const unregister = onForcedExit(() => child.kill("SIGKILL"));
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const request: QuantizeRequest = {
    input: options.input,
    output: options.output,
    ftype: options.ftype,
    threads: options.threads ?? defaultThreads(),
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: AtlasError): void => {
        if (settled) return;
        settled = true;
        options.signal?.removeEventListener("abort", onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = (): void => {
        child.kill("SIGKILL");
        finish(new AtlasError("ABORTED", "quantization cancelled", { where: options.output }));
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      child.on("message", (message: QuantizeMessage) => {
        if (message.type === "tensor") options.onTensor?.(message.index, message.total, message.name);
        else if (message.type === "done") finish();
        else {
          const detail = message.log.length > 0 ? `: ${message.log.slice(-3).join(" | ")}` : "";
          finish(
            new AtlasError("NATIVE", `llama.cpp could not quantize the model (${message.message})${detail}`, {
              where: options.input,
            }),
          );
        }
      });
      child.on("error", (error) =>
        finish(
          new AtlasError("NATIVE", `cannot start the quantizer process: ${error.message}`, { cause: error }),
        ),
      );
      child.on("exit", (code, signal) => {
        const tail = stderr.trim().split("\n").slice(-3).join(" | ");
        finish(
          new AtlasError(
            "NATIVE",
            `the quantizer process ended unexpectedly (${signal ?? `exit code ${code}`})${tail === "" ? "" : `: ${tail}`}`,
            { where: options.input },
          ),
        );
      });
      child.send(request);
    });
  } catch (error) {
    const full = isAtlasError(error, "NATIVE") && (await diskFull(options.output));
    await rm(options.output, { force: true });
    if (full)
      throw new AtlasError("IO", "no space left on the device while llama.cpp wrote the quantized model", {
        where: dirname(options.output),
        hint: "free some space or choose another output path",
        cause: error,
      });
    throw error;
  } finally {
    unregister();
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}
