/** Loads a model for a CLI command: progress while a checkpoint folder is converted, notices on stderr. */
import { loadModel, type AtlasLoadOptions, type AtlasModel } from "../api/index.js";
import { eprintln, type CliIO } from "./io.js";
import { ProgressDisplay } from "./progress.js";

/** The model commands use when none is named: `$ATLAS_MODEL`, else Atlas-Chat-2B. */
export function defaultModelRef(io: CliIO): string {
  return io.env["ATLAS_MODEL"] ?? "atlas-chat:2b";
}

/** Loads `ref`; with `verbose`, prints what was loaded and where it runs. */
export async function openModel(
  io: CliIO,
  ref: string,
  options: AtlasLoadOptions,
  verbose: boolean,
): Promise<AtlasModel> {
  const progress = new ProgressDisplay(io);
  try {
    const model = await loadModel(ref, {
      ...options,
      env: io.env,
      signal: io.signal,
      onNotice: (message) => eprintln(io, `note: ${message}`),
      onConvertProgress: (p) =>
        progress.update("convert", {
          label: p.phase === "quantize" ? "quantizing" : "converting",
          done: p.bytesDone,
          total: p.bytesTotal,
          unit: "bytes",
          detail: `${p.tensorsDone}/${p.tensorsTotal} tensors`,
        }),
    });
    progress.clear();
    if (verbose) {
      const i = model.info;
      eprintln(io, `loaded ${i.description} from ${i.path}`);
      eprintln(
        io,
        `  ${i.backend}${i.gpuLayers > 0 ? ` (${i.gpuLayers} layers offloaded)` : ""}, ${i.threads} threads, context ${i.contextSize}`,
      );
    }
    return model;
  } finally {
    progress.clear();
  }
}
