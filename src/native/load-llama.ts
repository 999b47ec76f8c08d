/**
 * Loads llama.cpp's prebuilt library once per process (koffi), initialises its backends and routes its
 * log output. One backend per process: llama.cpp's global backend registry cannot hold two builds.
 */
import koffi from "koffi";
import { AtlasError, errorMessage } from "../core/index.js";
import { declareLlamaApi, LogCallback, type LlamaApi } from "./llama-api.js";
import { locateLlamaLibrary, type LlamaBackendKind, type LlamaLibraryFiles } from "./locate-library.js";

/** A compute device llama.cpp can use. */
export interface LlamaDevice {
  name: string;
  description: string;
  type: "cpu" | "gpu" | "igpu" | "accel" | "meta";
}

/** The loaded library. */
export interface LoadedLlama {
  api: LlamaApi;
  files: LlamaLibraryFiles;
  backend: LlamaBackendKind;
  devices: LlamaDevice[];
  /** True when at least one GPU device registered (layers can be offloaded). */
  hasGpu: boolean;
  /** The last error/warning lines llama.cpp logged (newest last), for error messages. */
  recentLog(): string[];
  /** Registers a listener for every log line (level 2 info … 4 error). Returns an unsubscribe function. */
  onLog(listener: (level: number, text: string) => void): () => void;
}

const DEVICE_TYPES: LlamaDevice["type"][] = ["cpu", "gpu", "igpu", "accel", "meta"];
const RECENT_LOG_LINES = 20;
const LOG_LEVEL_WARN = 3;

let loaded: LoadedLlama | undefined;

/**
 * Returns the process's llama.cpp library, loading it for `backend` on first use.
 * @throws AtlasError NATIVE if it was already loaded for another backend, or cannot be loaded
 */
export function loadLlama(backend: LlamaBackendKind = "cpu"): LoadedLlama {
  if (loaded !== undefined) {
    if (loaded.backend !== backend) {
      throw new AtlasError(
        "NATIVE",
        `llama.cpp is already loaded for ${loaded.backend} in this process; cannot switch to ${backend}`,
        { hint: "use one --gpu setting per process" },
      );
    }
    return loaded;
  }
  const files = locateLlamaLibrary(backend);
  let api: LlamaApi;
  try {
    const ggml = koffi.load(files.ggmlPath);
    const llama = koffi.load(files.llamaPath);
    api = declareLlamaApi(llama, ggml);
  } catch (error) {
    throw new AtlasError("NATIVE", `cannot load llama.cpp (${errorMessage(error)})`, {
      where: files.llamaPath,
      hint: "reinstall with `npm install`; on GPU builds check the driver/runtime libraries",
      cause: error,
    });
  }

  const recent: string[] = [];
  const listeners = new Set<(level: number, text: string) => void>();
  let partial = "";
  let partialLevel = 0;
  // llama.cpp calls this from whichever thread logs, often a worker running an `.async` call (model
  // loading); koffi then parks that thread until the main thread has run the callback. So the callback
  // must never throw and never block: an exception escaping it becomes an uncaught exception, whose exit
  // path joins the worker threads, one of which waits for this very callback — a deadlock at 0% CPU.
  // Listeners (which write to stderr or IPC) are therefore isolated, and their failures dropped.
  // Kept in a module variable so the GC never frees the callback while llama.cpp holds it.
  logCallback = koffi.register((level: number, text: string | null) => {
    try {
      const effective = level === 5 ? partialLevel : level; // GGML_LOG_LEVEL_CONT continues the last line
      partialLevel = effective;
      partial += text ?? "";
      let newline = partial.indexOf("\n");
      while (newline >= 0) {
        const line = partial.slice(0, newline);
        partial = partial.slice(newline + 1);
        if (effective >= LOG_LEVEL_WARN) {
          recent.push(line);
          if (recent.length > RECENT_LOG_LINES) recent.shift();
        }
        for (const listener of listeners) notify(listener, effective, line);
        newline = partial.indexOf("\n");
      }
      if (partial.length > MAX_PARTIAL_LOG) partial = partial.slice(-MAX_PARTIAL_LOG);
    } catch {
      // Never let a log line take the process down (see above).
    }
  }, koffi.pointer(LogCallback));
  api.log_set(logCallback, null);

  api.ggml_backend_load_all_from_path(files.dir);
  let devices = listDevices(api);
  if (backend !== "cpu" && !devices.some((d) => d.type === "gpu" || d.type === "igpu")) {
    for (const plugin of files.fallbackPlugins) api.ggml_backend_load(plugin);
    devices = listDevices(api);
  }
  api.backend_init();
  loaded = {
    api,
    files,
    backend,
    devices,
    hasGpu: devices.some((d) => d.type === "gpu" || d.type === "igpu"),
    recentLog: () => [...recent],
    onLog(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return loaded;
}

let logCallback: unknown;

/** A line without its "\n" longer than this is cut (a runaway log must not grow without bound). */
const MAX_PARTIAL_LOG = 64 * 1024;

/** Calls one log listener; what it throws is dropped, so one bad listener cannot stop the others. */
function notify(listener: (level: number, text: string) => void, level: number, line: string): void {
  try {
    listener(level, line);
  } catch {
    // A failed log write (stderr full or closed, IPC gone) is not the model's problem.
  }
}

function listDevices(api: LlamaApi): LlamaDevice[] {
  const count = Number(api.ggml_backend_dev_count());
  const devices: LlamaDevice[] = [];
  for (let i = 0; i < count; i++) {
    const dev = api.ggml_backend_dev_get(i);
    devices.push({
      name: api.ggml_backend_dev_name(dev),
      description: api.ggml_backend_dev_description(dev),
      type: DEVICE_TYPES[api.ggml_backend_dev_type(dev)] ?? "accel",
    });
  }
  return devices;
}

/** The library if it is already loaded (no side effects). */
export function loadedLlama(): LoadedLlama | undefined {
  return loaded;
}
