/**
 * The columns of an `atlas data build` output row, and how one tokenized sample or a pack of samples
 * becomes one. Rows follow the shapes TRL's SFTTrainer and axolotl read for pre-tokenized data:
 *
 * - unpacked: `input_ids`, `attention_mask` (all 1), `labels` (the id where trained, -100 elsewhere) —
 *   exactly the three columns axolotl's pre-tokenized format wants; TRL uses `input_ids` and `labels`;
 * - packed: the same plus `position_ids` (restarting at 0 at every sample) and `seq_lengths` (the
 *   samples' lengths, in order, summing to the row's length: TRL's padding-free packing column).
 */
import type { TokenizedSample } from "./tokenize-conversation.js";

/** The label of a masked (untrained) position: PyTorch's cross-entropy ignore index. */
export const IGNORE_INDEX = -100;

/** One output row. */
export interface SftRow {
  input_ids: Int32Array;
  attention_mask: Int32Array;
  labels: Int32Array;
  /** Packed rows only. */
  position_ids?: Int32Array;
  /** Packed rows only. */
  seq_lengths?: Int32Array;
}

/** Column names in file order: unpacked, or packed. */
export function sftColumns(packed: boolean): string[] {
  return packed
    ? ["input_ids", "attention_mask", "labels", "position_ids", "seq_lengths"]
    : ["input_ids", "attention_mask", "labels"];
}

/** `labels` of a sample: its id where trained, {@link IGNORE_INDEX} elsewhere. */
export function labelsOf(sample: TokenizedSample): Int32Array {
  const labels = new Int32Array(sample.ids.length);
  for (let i = 0; i < labels.length; i++) labels[i] = sample.trained[i] === 1 ? sample.ids[i]! : IGNORE_INDEX;
  return labels;
}

/** The row of one sample. */
export function sampleRow(sample: TokenizedSample): SftRow {
  return {
    input_ids: sample.ids,
    attention_mask: new Int32Array(sample.ids.length).fill(1),
    labels: labelsOf(sample),
  };
}

/** The row of several samples packed back to back; positions restart at 0 at each sample. */
export function packedRow(samples: readonly TokenizedSample[]): SftRow {
  const total = samples.reduce((n, s) => n + s.ids.length, 0);
  const row: Required<SftRow> = {
    input_ids: new Int32Array(total),
    attention_mask: new Int32Array(total).fill(1),
    labels: new Int32Array(total),
    position_ids: new Int32Array(total),
    seq_lengths: Int32Array.from(samples, (s) => s.ids.length),
  };
  let at = 0;
  for (const sample of samples) {
    row.input_ids.set(sample.ids, at);
    row.labels.set(labelsOf(sample), at);
    for (let i = 0; i < sample.ids.length; i++) row.position_ids[at + i] = i;
    at += sample.ids.length;
  }
  return row;
}
