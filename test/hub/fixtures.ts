/** Shared fixtures of the hub tests: a synthetic checkpoint repo and scratch folders. */
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { extraRepoFiles, patternBytes, type MockFile } from "../helpers/mock-hub.js";

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A fresh folder under the test run's scratch dir. */
export async function scratchDir(prefix: string): Promise<string> {
  const root = process.env["ATLAS_TEST_TMP"];
  if (root === undefined) throw new Error("ATLAS_TEST_TMP is not set (vitest global setup)");
  return mkdtemp(join(root, `${prefix}-`));
}

/** Sizes of the two weight shards: big enough for several chunks, small enough to be quick. */
export const SHARD_SIZES = [300_000, 120_000] as const;

/**
 * A repo shaped like a `save_pretrained` checkpoint (bytes are synthetic: these tests exercise the
 * downloader, not the converter) plus the files a pull must skip.
 */
export function checkpointFiles(seed = 1): MockFile[] {
  return [
    { path: "config.json", content: text(`{"model_type":"gemma2","seed":${seed}}\n`) },
    { path: "generation_config.json", content: text('{"bos_token_id":2}\n') },
    { path: "tokenizer.model", content: patternBytes(5000, seed + 10) },
    { path: "tokenizer_config.json", content: text('{"chat_template":"{{ messages }}"}\n') },
    { path: "special_tokens_map.json", content: text('{"bos_token":"<bos>"}\n') },
    {
      path: "model.safetensors.index.json",
      content: text(
        '{"metadata":{},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}\n',
      ),
    },
    { path: "model-00001-of-00002.safetensors", content: patternBytes(SHARD_SIZES[0], seed + 20) },
    { path: "model-00002-of-00002.safetensors", content: patternBytes(SHARD_SIZES[1], seed + 30) },
    ...extraRepoFiles(),
  ];
}

/** The files a checkpoint pull must fetch (and nothing else). */
export const CHECKPOINT_PATHS = [
  "config.json",
  "generation_config.json",
  "model-00001-of-00002.safetensors",
  "model-00002-of-00002.safetensors",
  "model.safetensors.index.json",
  "special_tokens_map.json",
  "tokenizer.model",
  "tokenizer_config.json",
];

/** Fast retries for tests (no timing assertions anywhere, only counts). */
export const FAST_RETRY = { retries: 3, baseDelayMs: 1, maxDelayMs: 5 } as const;
