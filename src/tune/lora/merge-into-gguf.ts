/**
 * Writes a merged model from a full-precision GGUF base (F32/F16/BF16 tensors): the base's metadata with
 * the new `general.file_type`, every tensor re-encoded through the converter's one-pass writer (our
 * F32/F16/BF16/Q8_0/Q4_0 code, llama.cpp's routine and type rules for K-quants), with the adapter's
 * update added on the way.
 */
import { open } from "node:fs/promises";
import { dirname } from "node:path";
import { AtlasError, ioError, writeAtomically } from "../../core/index.js";
import {
  FILE_TYPE_OF,
  GGML_TYPE,
  GGUF_TYPE,
  ggufNumber,
  isKQuant,
  type ConvertProgress,
  type GgufFile,
  type OutputType,
  type RowTransform,
} from "../../convert/index.js";
import { checkFreeSpace } from "../../convert/disk-space.js";
import { encodeGgufHeader } from "../../convert/gguf-header.js";
import type { CheckpointTensor } from "../../convert/hf-checkpoint.js";
import { MATRIX_TYPE_OF } from "../../convert/output-types.js";
import { writeTensorData } from "../../convert/tensor-data-writer.js";
import { planTensors } from "../../convert/tensor-plan.js";
import { floatDtypeOfGgml } from "./float-matrix.js";

/** Options of {@link mergeIntoGguf}. */
export interface MergeIntoGgufOptions {
  base: GgufFile;
  output: string;
  type: OutputType;
  transforms: ReadonlyMap<string, RowTransform>;
  overwrite: boolean;
  threads?: number | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: ConvertProgress) => void) | undefined;
}

/** The output type matching a float GGUF's matrices (what a merge keeps by default). */
export function ggufOwnType(base: GgufFile): OutputType {
  const matrix = base.tensors.find((t) => t.ne.filter((d) => d > 1).length >= 2);
  const dtype = matrix === undefined ? "F32" : floatDtypeOfGgml(matrix.type);
  return dtype === "BF16" ? "bf16" : dtype === "F16" ? "f16" : "f32";
}

/** The base's tensors as converter sources (stored values: norms already hold Gemma's +1). */
function sources(base: GgufFile): CheckpointTensor[] {
  return base.tensors.map((t) => {
    const dtype = floatDtypeOfGgml(t.type);
    if (dtype === undefined)
      throw new AtlasError("UNSUPPORTED", `tensor '${t.name}' is quantized`, {
        where: base.path,
        hint: "merge into a full-precision base: the checkpoint folder, or an f32/f16/bf16 GGUF (`atlas convert --type f16`)",
      });
    const shape = [...t.ne].reverse();
    return {
      name: t.name,
      dtype,
      shape,
      byteOffset: base.dataOffset + t.offset,
      byteLength: t.bytes,
      file: base.path,
      spec: { hfName: t.name, ggufName: t.name, shape, isNorm: false, isQuery: false },
    };
  });
}

/** Writes the merged GGUF; returns its size. */
export async function mergeIntoGguf(
  options: MergeIntoGgufOptions,
): Promise<{ bytes: number; tensors: number }> {
  const { base, type } = options;
  const kQuant = isKQuant(type) || type === "q4_0" ? type : undefined;
  const plans = planTensors({
    tensors: sources(base),
    matrixType: isKQuant(type) ? GGML_TYPE.F32 : MATRIX_TYPE_OF[type],
    queryScale: undefined,
    kQuant:
      kQuant === undefined ? undefined : { mix: kQuant, layers: ggufNumber(base, "gemma2.block_count") ?? 0 },
    warnings: [],
    transforms: options.transforms,
  });
  const kvs = base.kvs.filter((kv) => kv.key !== "general.file_type");
  kvs.push({ key: "general.file_type", type: GGUF_TYPE.UINT32, value: FILE_TYPE_OF[type] });
  const header = encodeGgufHeader(
    kvs,
    plans.map((p) => ({ name: p.ggufName, ne: p.ne, type: p.type })),
  );
  await checkFreeSpace([
    {
      folder: dirname(options.output),
      bytes: header.bytes.length + header.dataBytes,
      what: "the merged model",
    },
  ]);
  const bytesTotal = plans.reduce((n, p) => n + p.bytes, 0);
  await writeAtomically(
    options.output,
    async (temp) => {
      let out;
      try {
        out = await open(temp, "wx");
      } catch (error) {
        throw ioError("cannot create the output file", temp, error);
      }
      try {
        await out.write(header.bytes, 0, header.bytes.length, 0);
        await writeTensorData({
          plans,
          out,
          outPath: options.output,
          dataOffset: header.bytes.length,
          alignment: header.alignment,
          signal: options.signal,
          threads: options.threads,
          onProgress:
            options.onProgress === undefined
              ? undefined
              : (tensorsDone, bytesDone, tensor) =>
                  options.onProgress!({
                    phase: "convert",
                    tensorsDone,
                    tensorsTotal: plans.length,
                    bytesDone,
                    bytesTotal,
                    tensor,
                  }),
        });
      } finally {
        await out.close();
      }
    },
    { overwrite: options.overwrite },
  );
  return { bytes: header.bytes.length + header.dataBytes, tensors: plans.length };
}
