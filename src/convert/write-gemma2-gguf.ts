/**
 * Writes one GGUF file from a validated checkpoint and vocabulary: header (metadata + tensor infos) first,
 * then the tensor data streamed in row chunks. The caller owns the path (a temp file, see atomic-output.ts).
 */
import { open } from "node:fs/promises";
import { ioError } from "../core/index.js";
import { gemma2Metadata, type SamplingDefaults } from "./gemma2-metadata.js";
import { encodeGgufHeader } from "./gguf-header.js";
import type { HfCheckpoint } from "./hf-checkpoint.js";
import type { KQuantMix } from "./k-quant-plan.js";
import { planTensors, type RowTransform } from "./tensor-plan.js";
import { writeTensorData } from "./tensor-data-writer.js";
import type { GgufVocab } from "./vocab.js";

/** Options of {@link writeGemma2Gguf}. */
export interface WriteGemma2GgufOptions {
  checkpoint: HfCheckpoint;
  vocab: GgufVocab;
  /** File to create (must not exist). */
  path: string;
  /** ggml type of the 2-D weights. */
  matrixType: number;
  /** `general.file_type`. */
  fileType: number;
  /** Factor for attn_q weights (attention-scale fix), or undefined. */
  queryScale: number | undefined;
  /** `general.name`. */
  name: string;
  sampling: SamplingDefaults;
  signal: AbortSignal | undefined;
  /** Called after each chunk. */
  onProgress:
    | ((p: {
        tensorsDone: number;
        tensorsTotal: number;
        bytesDone: number;
        bytesTotal: number;
        tensor: string;
      }) => void)
    | undefined;
  /** Notes for the user are appended here. */
  warnings: string[];
  /** A llama.cpp K-quant mix (per-tensor types by llama.cpp's rules, quantized by its routine). */
  kQuant?: KQuantMix | undefined;
  /** Threads for the K-quant routine. */
  threads?: number | undefined;
  /** Extra changes to tensor values by GGUF name (LoRA merging). */
  transforms?: ReadonlyMap<string, RowTransform> | undefined;
}

/** What was written. */
export interface WrittenGguf {
  tensors: number;
  parameters: number;
  /** Data bytes of each tensor, by GGUF name (for progress of a later quantization pass). */
  tensorBytes: Map<string, number>;
  bytes: number;
}

/** Writes the GGUF; the file is complete (not yet fsynced) when the promise resolves. */
export async function writeGemma2Gguf(options: WriteGemma2GgufOptions): Promise<WrittenGguf> {
  const plans = planTensors({
    tensors: options.checkpoint.tensors,
    matrixType: options.matrixType,
    queryScale: options.queryScale,
    kQuant:
      options.kQuant === undefined
        ? undefined
        : { mix: options.kQuant, layers: options.checkpoint.config.hparams.numLayers },
    warnings: options.warnings,
    transforms: options.transforms,
  });
  const parameters = plans.reduce((n, p) => n + p.rows * p.cols, 0);
  const kvs = gemma2Metadata({
    hparams: options.checkpoint.config.hparams,
    vocab: options.vocab,
    fileType: options.fileType,
    name: options.name,
    parameters,
    sampling: options.sampling,
  });
  const header = encodeGgufHeader(
    kvs,
    plans.map((p) => ({ name: p.ggufName, ne: p.ne, type: p.type })),
  );
  const bytesTotal = plans.reduce((n, p) => n + p.bytes, 0);
  let out;
  try {
    out = await open(options.path, "wx");
  } catch (error) {
    throw ioError("cannot create the output file", options.path, error);
  }
  try {
    try {
      await out.write(header.bytes, 0, header.bytes.length, 0);
    } catch (error) {
      throw ioError("cannot write", options.path, error);
    }
    const onProgress = options.onProgress;
    await writeTensorData({
      plans,
      out,
      outPath: options.path,
      dataOffset: header.bytes.length,
      alignment: header.alignment,
      signal: options.signal,
      threads: options.threads,
      onProgress:
        onProgress === undefined
          ? undefined
          : (tensorsDone, bytesDone, tensor) =>
              onProgress({ tensorsDone, tensorsTotal: plans.length, bytesDone, bytesTotal, tensor }),
    });
  } finally {
    await out.close();
  }
  return {
    tensors: plans.length,
    parameters,
    tensorBytes: new Map(plans.map((p) => [p.ggufName, p.bytes])),
    bytes: header.bytes.length + header.dataBytes,
  };
}
