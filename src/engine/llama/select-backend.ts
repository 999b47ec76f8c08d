/** Turns `--gpu auto|cpu|cuda|vulkan|metal` into a loaded llama.cpp backend. */
import { AtlasError, errorMessage } from "../../core/index.js";
import { loadLlama, loadedLlama, type LoadedLlama } from "../../native/load-llama.js";
import type { LlamaBackendKind } from "../../native/locate-library.js";
import { canOpenLibrary } from "../../native/probe-library.js";
import type { GpuChoice } from "../types.js";

/** The backend `auto` would pick on this machine, without loading llama.cpp. */
export function detectGpuBackend(): LlamaBackendKind {
  if (process.platform === "darwin" && process.arch === "arm64") return "metal";
  if (process.platform === "linux" || process.platform === "win32") {
    if (canOpenLibrary(process.platform === "win32" ? "nvcuda.dll" : "libcuda.so.1")) return "cuda";
    if (canOpenLibrary(process.platform === "win32" ? "vulkan-1.dll" : "libvulkan.so.1")) return "vulkan";
  }
  return "cpu";
}

/**
 * Loads llama.cpp for `choice`. With `auto`, a GPU backend that fails to load or finds no GPU falls back to
 * the CPU and `notice` says so in one line. An explicit GPU choice that fails is an error.
 */
export function selectBackend(choice: GpuChoice, notice: (message: string) => void): LoadedLlama {
  const already = loadedLlama();
  if (already !== undefined && (choice === "auto" || choice === already.backend)) return already;
  if (choice !== "auto") {
    const llama = loadLlama(choice);
    if (choice !== "cpu" && !llama.hasGpu) {
      throw new AtlasError("UNSUPPORTED", `llama.cpp's ${choice} backend loaded but found no usable GPU`, {
        hint: "check the GPU driver and runtime libraries, or use --gpu cpu",
      });
    }
    return llama;
  }
  const wanted = detectGpuBackend();
  if (wanted === "cpu") {
    const looked = process.platform === "darwin" ? "Metal (Apple silicon)" : "CUDA or Vulkan drivers";
    notice(`no GPU found (looked for ${looked}); running on the CPU`);
  } else {
    try {
      const llama = loadLlama(wanted);
      if (llama.hasGpu) return llama;
      notice(`no usable ${wanted} GPU found; running on the CPU`);
      return llama;
    } catch (error) {
      notice(`the ${wanted} backend could not be loaded (${errorMessage(error)}); running on the CPU`);
    }
  }
  return loadLlama("cpu");
}
