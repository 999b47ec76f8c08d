/**
 * The row transforms that merge an adapter while the base is written: one per adapted tensor, adding
 * factor·B·A to each chunk of rows. A tensor's A and B are read (synchronously: the writer calls
 * transforms in its own loop) when its first chunk arrives and dropped when the next tensor starts, so
 * only one pair is in memory.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { ioError } from "../../core/index.js";
import type { GgufTensorInfo, RowTransform } from "../../convert/index.js";
import { decodeFloats, floatDtypeOfGgml } from "./float-matrix.js";
import { addLoraRows, loraScale } from "./lora-delta.js";
import type { LoraGguf } from "./lora-gguf.js";

function readTensorSync(fd: number, path: string, offset: number, tensor: GgufTensorInfo): Float32Array {
  const bytes = new Uint8Array(tensor.bytes);
  let done = 0;
  try {
    while (done < bytes.length) {
      const n = readSync(fd, bytes, done, bytes.length - done, offset + tensor.offset + done);
      if (n === 0) throw new Error("unexpected end of file");
      done += n;
    }
  } catch (error) {
    throw ioError("cannot read the adapter", path, error);
  }
  return decodeFloats(bytes, floatDtypeOfGgml(tensor.type)!, tensor.ne[0]! * tensor.ne[1]!);
}

/** Transforms by target GGUF name, and a `close()` for the adapter file. */
export interface MergeTransforms {
  transforms: Map<string, RowTransform>;
  close: () => void;
}

/**
 * Builds the transforms for `lora` at run-time `scale`. `targetFactor(name)` multiplies a tensor's
 * update further (1 normally; 1/f for attn_q of a checkpoint whose conversion multiplies attn_q by f).
 */
export function mergeTransforms(
  lora: LoraGguf,
  scale: number,
  targetFactor: (target: string) => number,
): MergeTransforms {
  const path = lora.file.path;
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    throw ioError("cannot open the adapter", path, error);
  }
  let current: { target: string; a: Float32Array; b: Float32Array } | undefined;
  const transforms = new Map<string, RowTransform>();
  for (const pair of lora.pairs) {
    const factor = loraScale(lora.alpha, pair.rank, scale) * targetFactor(pair.target);
    transforms.set(pair.target, (values, firstRow, rows) => {
      const loaded =
        current?.target === pair.target
          ? current
          : (current = {
              target: pair.target,
              a: readTensorSync(fd, path, lora.file.dataOffset, pair.a),
              b: readTensorSync(fd, path, lora.file.dataOffset, pair.b),
            });
      addLoraRows(values, firstRow, rows, loaded.a, loaded.b, pair.rank, pair.inDim, factor);
    });
  }
  return {
    transforms,
    close: () => {
      current = undefined;
      closeSync(fd);
    },
  };
}
