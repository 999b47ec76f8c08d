/**
 * Loads a model for a CLI command: progress while a checkpoint folder is converted, notices and store
 * warnings (a corrupt manifest rebuilt) on stderr, a warning for a context longer than the model's.
 */
import { loadModel, type AtlasLoadOptions, type AtlasModel } from "../api/index.js";
import { resolveModel } from "../store/index.js";
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
    // Resolved here rather than inside loadModel, so that store warnings reach stderr.
    const resolved = await resolveModel(ref, {
      quant: options.quant,
      env: io.env,
      signal: io.signal,
      threads: options.threads,
      onWarning: (message) => eprintln(io, `warning: ${message}`),
      onProgress: (p) =>
        progress.update("convert", {
          label: "converting",
          done: p.bytesDone,
          total: p.bytesTotal,
          unit: "bytes",
          detail: `${p.tensorsDone}/${p.tensorsTotal} tensors`,
        }),
    });
    progress.clear();
    const model = await loadModel(resolved, {
      ...options,
      env: io.env,
      signal: io.signal,
      onNotice: (message) => eprintln(io, `note: ${message}`),
    });
    const trained = model.info.trainContextSize;
    if (options.contextSize !== undefined && trained > 0 && options.contextSize > trained)
      eprintln(
        io,
        `warning: --ctx-size ${options.contextSize} is more than the ${trained} tokens ${model.info.description} was trained with; replies past ${trained} tokens will degrade`,
      );
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
