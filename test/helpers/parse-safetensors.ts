/**
 * A deliberately small, independent safetensors parser used only by the helpers' own tests to check what
 * the writer produced (the product's reader lives in src/convert and must not be used to test its input).
 */
import { readFile } from "node:fs/promises";

/** A header entry as stored. */
export interface ParsedTensorEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** A parsed file: header JSON, entries by name in header order, and the data section. */
export interface ParsedSafetensors {
  headerLength: number;
  metadata: Record<string, string> | undefined;
  tensors: Map<string, ParsedTensorEntry>;
  data: Uint8Array;
}

/** Reads a whole safetensors file (fine for test-sized files) and checks the data section is contiguous. */
export async function parseSafetensors(path: string): Promise<ParsedSafetensors> {
  const bytes = new Uint8Array(await readFile(path));
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<
    string,
    unknown
  >;
  const tensors = new Map<string, ParsedTensorEntry>();
  let metadata: Record<string, string> | undefined;
  for (const [name, entry] of Object.entries(json)) {
    if (name === "__metadata__") metadata = entry as Record<string, string>;
    else tensors.set(name, entry as ParsedTensorEntry);
  }
  const data = bytes.subarray(8 + headerLength);
  const spans = [...tensors.values()].map((t) => t.data_offsets).sort((a, b) => a[0] - b[0]);
  let expected = 0;
  for (const [begin, end] of spans) {
    if (begin !== expected) throw new Error(`${path}: hole or overlap at ${begin} (expected ${expected})`);
    expected = end;
  }
  if (expected !== data.length)
    throw new Error(`${path}: data is ${data.length} bytes, offsets end at ${expected}`);
  return { headerLength, metadata, tensors, data };
}
