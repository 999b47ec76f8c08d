/**
 * `atlas create NAME -f Modelfile`: read and parse the Modelfile, resolve its paths from its own folder,
 * and create the model (see createModel). `quantize` (`--quant`) applies when FROM is a checkpoint folder.
 */
import { readFile, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { AtlasError, ioError } from "../../core/index.js";
import { createModel } from "../created/create-model.js";
import type { CreateModelOptions, CreateModelResult } from "../created/create-types.js";
import { modelfileToRequest } from "./modelfile-request.js";
import { MAX_MODELFILE_BYTES, parseModelfile } from "./parse-modelfile.js";

/** Options of {@link createModelFromModelfile}: createModel's, with a Modelfile instead of the request. */
export type CreateFromModelfileOptions = Omit<
  CreateModelOptions,
  "from" | "adapters" | "template" | "system" | "parameters" | "messages" | "license" | "requires"
> & {
  /** The Modelfile's path. */
  modelfile: string;
};

/**
 * Creates the model a Modelfile describes.
 * @example await createModelFromModelfile({ name: "Atlas-Chat-2B", modelfile: "Atlas-Chat-2B/modelfile" });
 * @throws AtlasError NOT_FOUND (no such Modelfile, FROM or ADAPTER), BAD_ARGUMENT (its syntax, naming the
 *   line), and createModel's errors
 */
export async function createModelFromModelfile(
  options: CreateFromModelfileOptions,
): Promise<CreateModelResult> {
  const path = resolve(options.modelfile);
  const info = await stat(path).catch(() => undefined);
  if (info === undefined)
    throw new AtlasError("NOT_FOUND", "specified Modelfile wasn't found", {
      where: path,
      hint: "give the Modelfile's path with -f (the card's is <model folder>/modelfile)",
    });
  if (!info.isFile())
    throw new AtlasError("BAD_ARGUMENT", "is a folder, not a Modelfile", {
      where: path,
      hint: "give the Modelfile inside it, e.g. -f Atlas-Chat-2B/modelfile",
    });
  if (info.size > MAX_MODELFILE_BYTES)
    throw new AtlasError(
      "BAD_ARGUMENT",
      `the Modelfile has ${info.size} bytes; at most ${MAX_MODELFILE_BYTES}`,
      {
        where: path,
        hint: "a Modelfile holds instructions and texts, not weights: point FROM at the model files",
      },
    );
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw ioError("cannot read the Modelfile", path, error);
  }
  const warnings: string[] = [];
  const modelfile = parseModelfile(bytes, { where: options.modelfile });
  const request = await modelfileToRequest(modelfile, {
    dir: dirname(path),
    where: options.modelfile,
    onWarning: (w) => warnings.push(w),
  });
  const { modelfile: _modelfile, ...rest } = options;
  const result = await createModel({ ...rest, ...request });
  return { ...result, warnings: [...warnings, ...result.warnings] };
}
