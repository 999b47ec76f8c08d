/**
 * Generated tiny Gemma-2 models converted to GGUF, cached per test process (each vitest file runs in its
 * own process and gets its own copies under $ATLAS_TEST_TMP).
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertModel, type OutputType } from "../../src/convert/index.js";
import {
  TINY_SHAPE,
  writeGemma2Checkpoint,
  type Gemma2Shape,
  type WrittenCheckpoint,
} from "./tiny-gemma2.js";

export interface TinyModelOptions {
  shape?: Gemma2Shape;
  dtype?: "BF16" | "F16" | "F32";
  seed?: number;
}

export interface TinyModel {
  checkpoint: WrittenCheckpoint;
  /** Converted GGUF files by output type. */
  gguf(type: OutputType): Promise<string>;
}

const cache = new Map<string, Promise<TinyModel>>();

async function scratchDir(): Promise<string> {
  return mkdtemp(join(process.env["ATLAS_TEST_TMP"] ?? tmpdir(), "tiny-"));
}

/** A generated checkpoint (default: TINY_SHAPE, BF16, seed 1) and lazily converted GGUFs of it. */
export function tinyModel(options: TinyModelOptions = {}): Promise<TinyModel> {
  const key = JSON.stringify([options.shape ?? TINY_SHAPE, options.dtype ?? "BF16", options.seed ?? 1]);
  let model = cache.get(key);
  if (model === undefined) {
    model = (async () => {
      const root = await scratchDir();
      const checkpoint = await writeGemma2Checkpoint(join(root, "hf"), {
        shape: options.shape ?? TINY_SHAPE,
        dtype: options.dtype ?? "BF16",
        seed: options.seed ?? 1,
        keepWeights: true,
      });
      const converted = new Map<OutputType, Promise<string>>();
      return {
        checkpoint,
        gguf(type: OutputType): Promise<string> {
          let path = converted.get(type);
          if (path === undefined) {
            const output = join(root, `model-${type}.gguf`);
            path = convertModel({ input: checkpoint.dir, output, type }).then((r) => r.output);
            converted.set(type, path);
          }
          return path;
        },
      };
    })();
    cache.set(key, model);
  }
  return model;
}
