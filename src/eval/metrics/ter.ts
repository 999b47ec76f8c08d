/**
 * TER (translation edit rate) as sacreBLEU 2.x computes it with its defaults (`sacrebleu.corpus_ter`:
 * case-insensitive, no normalization, no punctuation removal): Tercom's greedy block shifts (at most 10
 * words, 50 positions away, 1000 candidates per segment) followed by the beam edit distance; the fewest
 * edits over the references, divided by the average reference length, summed over the corpus.
 */
import { checkReferenceStreams } from "./bleu.js";
import { pyRstrip, pySplit } from "./python-text.js";
import { BeamEditDistance, OP } from "./ter-edit-distance.js";

const MAX_SHIFT_SIZE = 10;
const MAX_SHIFT_DIST = 50;
const MAX_SHIFT_CANDIDATES = 1000;

/** Options of {@link corpusTer}. */
export interface TerOptions {
  /** Default false (sacreBLEU lowercases). */
  caseSensitive?: boolean;
}

/** A TER score: 0–100+ (it exceeds 100 when there are more edits than reference words). */
export interface TerScore {
  score: number;
  numEdits: number;
  refLength: number;
}

/** Python's comparison of two strings (by code point), for Tercom's tie-break on the shifted words. */
function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

interface Candidate {
  gain: number;
  length: number;
  startH: number;
  target: number;
  words: string[];
}

/** True when `a` ranks above `b` (Python's tuple order of (gain, length, -startH, -target, words)). */
function ranksAbove(a: Candidate, b: Candidate): boolean {
  if (a.gain !== b.gain) return a.gain > b.gain;
  if (a.length !== b.length) return a.length > b.length;
  if (a.startH !== b.startH) return a.startH < b.startH;
  if (a.target !== b.target) return a.target < b.target;
  for (let i = 0; i < Math.min(a.words.length, b.words.length); i++) {
    const d = compareCodePoints(a.words[i]!, b.words[i]!);
    if (d !== 0) return d > 0;
  }
  return a.words.length > b.words.length;
}

function performShift(words: readonly string[], start: number, length: number, target: number): string[] {
  if (target < start)
    return [
      ...words.slice(0, target),
      ...words.slice(start, start + length),
      ...words.slice(target, start),
      ...words.slice(start + length),
    ];
  if (target > start + length)
    return [
      ...words.slice(0, start),
      ...words.slice(start + length, target),
      ...words.slice(start, start + length),
      ...words.slice(target),
    ];
  return [
    ...words.slice(0, start),
    ...words.slice(start + length, length + target),
    ...words.slice(start, start + length),
    ...words.slice(length + target),
  ];
}

function* shiftedPairs(hyp: readonly string[], ref: readonly string[]): Generator<[number, number, number]> {
  for (let startH = 0; startH < hyp.length; startH++) {
    for (let startR = 0; startR < ref.length; startR++) {
      if (Math.abs(startR - startH) > MAX_SHIFT_DIST) continue;
      let length = 0;
      while (hyp[startH + length] === ref[startR + length] && length < MAX_SHIFT_SIZE) {
        length++;
        yield [startH, startR, length];
        if (hyp.length === startH + length || ref.length === startR + length) break;
      }
    }
  }
}

/** Alignment of a trace that rewrites the reference into the hypothesis (the flipped trace). */
function alignment(trace: readonly number[]): {
  align: Map<number, number>;
  refErr: number[];
  hypErr: number[];
} {
  let posHyp = -1;
  let posRef = -1;
  const align = new Map<number, number>();
  const refErr: number[] = [];
  const hypErr: number[] = [];
  for (const op of trace) {
    // The trace is flipped: an insertion into the hypothesis is a deletion here and vice versa.
    if (op === OP.nop || op === OP.sub) {
      posHyp++;
      posRef++;
      align.set(posRef, posHyp);
      hypErr.push(op === OP.sub ? 1 : 0);
      refErr.push(op === OP.sub ? 1 : 0);
    } else if (op === OP.del) {
      posHyp++;
      hypErr.push(1);
    } else {
      posRef++;
      align.set(posRef, posHyp);
      refErr.push(1);
    }
  }
  return { align, refErr, hypErr };
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

function bestShift(
  hyp: string[],
  ref: readonly string[],
  edits: BeamEditDistance,
  checked: number,
): { gain: number; words: string[]; checked: number } {
  const { distance: before, trace } = edits.distance(hyp);
  const { align, refErr, hypErr } = alignment(trace);
  let best: Candidate | undefined;
  for (const [startH, startR, length] of shiftedPairs(hyp, ref)) {
    if (sum(hypErr.slice(startH, startH + length)) === 0) continue;
    if (sum(refErr.slice(startR, startR + length)) === 0) continue;
    const aligned = align.get(startR)!;
    if (startH <= aligned && aligned < startH + length) continue;
    let previous = -1;
    for (let offset = -1; offset < length; offset++) {
      let target: number;
      if (startR + offset === -1) target = 0;
      else if (align.has(startR + offset)) target = align.get(startR + offset)! + 1;
      else break;
      if (target === previous) continue;
      previous = target;
      const words = performShift(hyp, startH, length, target);
      const candidate = { gain: before - edits.distance(words).distance, length, startH, target, words };
      checked++;
      if (best === undefined || ranksAbove(candidate, best)) best = candidate;
    }
    if (checked >= MAX_SHIFT_CANDIDATES) break;
  }
  return best === undefined
    ? { gain: 0, words: hyp, checked }
    : { gain: best.gain, words: best.words, checked };
}

/** Edits (shifts + edit distance) to turn `hyp` into `ref`, and the reference length (`translation_edit_rate`). */
export function translationEditRate(
  hyp: readonly string[],
  ref: readonly string[],
): { edits: number; refLength: number } {
  if (ref.length === 0) return { edits: hyp.length, refLength: 0 };
  const distances = new BeamEditDistance(ref);
  let words = [...hyp];
  let shifts = 0;
  let checked = 0;
  for (;;) {
    const shift = bestShift(words, ref, distances, checked);
    checked = shift.checked;
    if (checked >= MAX_SHIFT_CANDIDATES || shift.gain <= 0) break;
    shifts++;
    words = shift.words;
  }
  return { edits: shifts + distances.distance(words).distance, refLength: ref.length };
}

/**
 * Corpus TER with sacreBLEU's defaults. `references` are reference STREAMS aligned with `hypotheses`.
 * @example corpusTer(["d e f g h a b c"], [["a b c d e f g h"]]).score // 12.5
 */
export function corpusTer(
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
  options: TerOptions = {},
): TerScore {
  checkReferenceStreams(hypotheses, references);
  const tokens = (line: string): string[] => {
    const text = pyRstrip(line);
    return pySplit(options.caseSensitive === true ? text : text.toLowerCase());
  };
  let numEdits = 0;
  let refLength = 0;
  hypotheses.forEach((hypothesis, i) => {
    const hyp = tokens(hypothesis);
    let best = Number.POSITIVE_INFINITY;
    let lengths = 0;
    for (const stream of references) {
      const result = translationEditRate(hyp, tokens(stream[i]!));
      lengths += result.refLength;
      best = Math.min(best, result.edits);
    }
    numEdits += best;
    refLength += lengths / references.length;
  });
  const score = refLength > 0 ? numEdits / refLength : numEdits > 0 ? 1 : 0;
  return { score: 100 * score, numEdits, refLength };
}

/** sacreBLEU's TER signature with the defaults. */
export function terSignature(nrefs: number, options: TerOptions = {}): string {
  return `nrefs:${nrefs}|case:${options.caseSensitive === true ? "mixed" : "lc"}|tok:tercom|norm:no|punct:yes|asian:no|version:2.6.0`;
}
