/**
 * The Unicode Bidirectional Algorithm (UAX #9, rules P2–P3, X1–X10, W1–W7, N0–N2, I1–I2 and L1) for
 * one paragraph: code points in, embedding levels out. Reordering (L2, in visual-order.ts) and
 * mirroring (L4) are the caller's, because what to reorder (code points, grapheme clusters) depends
 * on the output device.
 */
import { bidiClass, type BidiClass } from "./bidi-class.js";
import { canonicalBracket, pairedBracket } from "./mirror-glyph.js";

/** Resolved levels: even = left-to-right, odd = right-to-left. */
export interface BidiLevels {
  /** 0 (LTR) or 1 (RTL). */
  paragraphLevel: number;
  /** One level per input code point. */
  levels: number[];
}

const MAX_DEPTH = 125;
// BD16: a bracket stack deeper than this stops pairing for the rest of the sequence.
const MAX_BRACKET_DEPTH = 63;

type Strong = "L" | "R";

interface StackEntry {
  level: number;
  override: Strong | undefined;
  isolate: boolean;
}

function isIsolateInitiator(t: BidiClass): boolean {
  return t === "LRI" || t === "RLI" || t === "FSI";
}

/** X9: these take no part in resolution. */
function isRemovedByX9(t: BidiClass): boolean {
  return t === "RLE" || t === "LRE" || t === "RLO" || t === "LRO" || t === "PDF" || t === "BN";
}

/** N1/N2's neutral and isolate formatting characters. */
function isNeutral(t: BidiClass): boolean {
  return t === "B" || t === "S" || t === "WS" || t === "ON" || isIsolateInitiator(t) || t === "PDI";
}

/** Strong direction for N0/N1: European and Arabic numbers count as R. */
function strongDirection(t: BidiClass): Strong | undefined {
  if (t === "L") return "L";
  if (t === "R" || t === "AL" || t === "EN" || t === "AN") return "R";
  return undefined;
}

/** BD9: the index of each isolate initiator's matching PDI, or -1. */
function matchIsolates(types: readonly BidiClass[]): Int32Array {
  const matching = new Int32Array(types.length).fill(-1);
  const open: number[] = [];
  types.forEach((t, i) => {
    if (isIsolateInitiator(t)) open.push(i);
    else if (t === "PDI") {
      const initiator = open.pop();
      if (initiator !== undefined) matching[initiator] = i;
    } else if (t === "B") open.length = 0;
  });
  return matching;
}

/** P2/P3: 0 or 1 from the first strong character in [start, end), skipping isolates; undefined if none. */
function firstStrongLevel(
  types: readonly BidiClass[],
  start: number,
  end: number,
  matching: Int32Array,
): number | undefined {
  for (let i = start; i < end; i++) {
    const t = types[i];
    if (t === "L") return 0;
    if (t === "R" || t === "AL") return 1;
    if (t !== undefined && isIsolateInitiator(t)) {
      const pdi = matching[i] ?? -1;
      if (pdi < 0) return undefined;
      i = pdi;
    }
  }
  return undefined;
}

/** X1–X8: explicit levels and directions; overrides rewrite `types` in place. */
function explicitLevels(
  original: readonly BidiClass[],
  types: BidiClass[],
  levels: number[],
  paragraphLevel: number,
  matching: Int32Array,
): void {
  const stack: StackEntry[] = [{ level: paragraphLevel, override: undefined, isolate: false }];
  let overflowIsolates = 0;
  let overflowEmbeddings = 0;
  let validIsolates = 0;
  const top = (): StackEntry =>
    stack[stack.length - 1] ?? { level: paragraphLevel, override: undefined, isolate: false };
  const next = (level: number, rtl: boolean): number => (rtl ? (level + 1) | 1 : (level + 2) & ~1);

  original.forEach((t, i) => {
    const current = top();
    switch (t) {
      case "RLE":
      case "LRE":
      case "RLO":
      case "LRO": {
        levels[i] = current.level;
        const level = next(current.level, t === "RLE" || t === "RLO");
        if (level <= MAX_DEPTH && overflowIsolates === 0 && overflowEmbeddings === 0) {
          const override = t === "RLO" ? "R" : t === "LRO" ? "L" : undefined;
          stack.push({ level, override, isolate: false });
        } else if (overflowIsolates === 0) overflowEmbeddings++;
        break;
      }
      case "RLI":
      case "LRI":
      case "FSI": {
        levels[i] = current.level;
        if (current.override !== undefined) types[i] = current.override;
        let rtl = t === "RLI";
        if (t === "FSI") {
          const pdi = matching[i] ?? -1;
          rtl = firstStrongLevel(original, i + 1, pdi < 0 ? original.length : pdi, matching) === 1;
        }
        const level = next(current.level, rtl);
        if (level <= MAX_DEPTH && overflowIsolates === 0 && overflowEmbeddings === 0) {
          validIsolates++;
          stack.push({ level, override: undefined, isolate: true });
        } else overflowIsolates++;
        break;
      }
      case "PDI": {
        if (overflowIsolates > 0) overflowIsolates--;
        else if (validIsolates > 0) {
          overflowEmbeddings = 0;
          while (!top().isolate) stack.pop();
          stack.pop();
          validIsolates--;
        }
        const after = top();
        levels[i] = after.level;
        if (after.override !== undefined) types[i] = after.override;
        break;
      }
      case "PDF":
        levels[i] = current.level;
        if (overflowIsolates > 0) break;
        if (overflowEmbeddings > 0) overflowEmbeddings--;
        else if (!current.isolate && stack.length >= 2) stack.pop();
        break;
      case "B":
        levels[i] = paragraphLevel;
        break;
      case "BN":
        levels[i] = current.level;
        break;
      default:
        levels[i] = current.level;
        if (current.override !== undefined) types[i] = current.override;
    }
  });
}

/** X10: the isolating run sequences, as lists of indices into the paragraph (X9-removed ones left out). */
function isolatingRunSequences(
  kept: readonly number[],
  levels: readonly number[],
  original: readonly BidiClass[],
  matching: Int32Array,
): number[][] {
  const runs: number[][] = [];
  let run: number[] = [];
  for (const i of kept) {
    const last = run[run.length - 1];
    if (last !== undefined && levels[last] !== levels[i]) {
      runs.push(run);
      run = [];
    }
    run.push(i);
  }
  if (run.length > 0) runs.push(run);

  const runStartingAt = new Map<number, number[]>();
  for (const r of runs) if (r[0] !== undefined) runStartingAt.set(r[0], r);
  const chained = new Set<number[]>();
  const sequences: number[][] = [];
  for (const r of runs) {
    if (chained.has(r)) continue;
    const sequence = [...r];
    for (;;) {
      const last = sequence[sequence.length - 1] ?? -1;
      const t = original[last];
      if (t === undefined || !isIsolateInitiator(t)) break;
      const continuation = runStartingAt.get(matching[last] ?? -1);
      if (continuation === undefined) break;
      chained.add(continuation);
      for (const i of continuation) sequence.push(i);
    }
    sequences.push(sequence);
  }
  return sequences;
}

/** W1–W7 on one isolating run sequence's types `t`. */
function resolveWeak(t: BidiClass[], sos: Strong): void {
  t.forEach((type, k) => {
    if (type !== "NSM") return;
    const prev = t[k - 1];
    t[k] = prev === undefined ? sos : isIsolateInitiator(prev) || prev === "PDI" ? "ON" : prev;
  });
  let lastStrong: BidiClass = sos;
  t.forEach((type, k) => {
    if (type === "L" || type === "R" || type === "AL") lastStrong = type;
    else if (type === "EN" && lastStrong === "AL") t[k] = "AN";
  });
  t.forEach((type, k) => {
    if (type === "AL") t[k] = "R";
  });
  for (let k = 1; k + 1 < t.length; k++) {
    const prev = t[k - 1];
    const next = t[k + 1];
    if (t[k] === "ES" && prev === "EN" && next === "EN") t[k] = "EN";
    else if (t[k] === "CS" && prev === next && (prev === "EN" || prev === "AN")) t[k] = prev;
  }
  for (let k = 0; k < t.length; k++) {
    if (t[k] !== "ET") continue;
    let end = k;
    while (t[end] === "ET") end++;
    if (t[k - 1] === "EN" || t[end] === "EN") t.fill("EN", k, end);
    k = end - 1;
  }
  t.forEach((type, k) => {
    if (type === "ES" || type === "ET" || type === "CS") t[k] = "ON";
  });
  let lastDirection: Strong = sos;
  t.forEach((type, k) => {
    if (type === "L" || type === "R") lastDirection = type;
    else if (type === "EN" && lastDirection === "L") t[k] = "L";
  });
}

/** BD16: bracket pairs of the sequence, as [open, close] positions in opening order. */
function bracketPairs(t: readonly BidiClass[], cps: readonly number[]): [number, number][] {
  const pairs: [number, number][] = [];
  const stack: { close: number; position: number }[] = [];
  for (let k = 0; k < t.length; k++) {
    if (t[k] !== "ON") continue;
    const cp = cps[k] ?? 0;
    const bracket = pairedBracket(cp);
    if (bracket === undefined) continue;
    if (bracket.opening) {
      if (stack.length === MAX_BRACKET_DEPTH) break;
      stack.push({ close: bracket.pair, position: k });
      continue;
    }
    const close = canonicalBracket(cp);
    for (let s = stack.length - 1; s >= 0; s--) {
      const entry = stack[s];
      if (entry?.close !== close) continue;
      pairs.push([entry.position, k]);
      stack.length = s;
      break;
    }
  }
  return pairs.sort((a, b) => a[0] - b[0]);
}

/** N0: brackets take the direction of what they enclose (or of their context). */
function resolveBrackets(
  t: BidiClass[],
  cps: readonly number[],
  originalTypes: readonly BidiClass[],
  embedding: Strong,
  sos: Strong,
): void {
  for (const [open, close] of bracketPairs(t, cps)) {
    let sameInside = false;
    let oppositeInside = false;
    for (let k = open + 1; k < close && !sameInside; k++) {
      const d = strongDirection(t[k] ?? "ON");
      if (d === embedding) sameInside = true;
      else if (d !== undefined) oppositeInside = true;
    }
    let direction: Strong;
    if (sameInside) direction = embedding;
    else if (oppositeInside) {
      let before: Strong = sos;
      for (let k = open - 1; k >= 0; k--) {
        const d = strongDirection(t[k] ?? "ON");
        if (d !== undefined) {
          before = d;
          break;
        }
      }
      direction = before;
    } else continue;
    for (const position of [open, close]) {
      t[position] = direction;
      // Marks on a bracket follow it (W1 had made them ON like the bracket).
      for (let k = position + 1; k < t.length && originalTypes[k] === "NSM"; k++) t[k] = direction;
    }
  }
}

/** N1/N2: runs of neutrals take the surrounding direction when both sides agree, else the embedding's. */
function resolveNeutrals(t: BidiClass[], sos: Strong, eos: Strong, embedding: Strong): void {
  for (let k = 0; k < t.length; k++) {
    if (!isNeutral(t[k] ?? "L")) continue;
    let end = k;
    while (end < t.length && isNeutral(t[end] ?? "L")) end++;
    const before = k === 0 ? sos : (strongDirection(t[k - 1] ?? "L") ?? embedding);
    const after = end === t.length ? eos : (strongDirection(t[end] ?? "L") ?? embedding);
    t.fill(before === after ? before : embedding, k, end);
    k = end - 1;
  }
}

/** Resolves the embedding level of every code point of one paragraph (no paragraph separators inside). */
export function resolveLevels(cps: readonly number[], paragraphLevel?: 0 | 1): BidiLevels {
  const original = cps.map(bidiClass);
  const matching = matchIsolates(original);
  const base = paragraphLevel ?? firstStrongLevel(original, 0, original.length, matching) ?? 0;
  const types = [...original];
  const levels = new Array<number>(cps.length).fill(base);
  explicitLevels(original, types, levels, base, matching);
  // sos/eos compare embedding levels, before I1/I2 raise them: keep those apart from `levels`.
  const embeddingLevels: readonly number[] = [...levels];

  const kept: number[] = [];
  original.forEach((t, i) => {
    if (!isRemovedByX9(t)) kept.push(i);
  });
  const keptPosition = new Map<number, number>(kept.map((i, position) => [i, position]));

  for (const sequence of isolatingRunSequences(kept, embeddingLevels, original, matching)) {
    const first = sequence[0] ?? 0;
    const last = sequence[sequence.length - 1] ?? 0;
    const level = embeddingLevels[first] ?? base;
    const before = kept[(keptPosition.get(first) ?? 0) - 1];
    const after = kept[(keptPosition.get(last) ?? 0) + 1];
    const lastType = original[last] ?? "L";
    const levelBefore = before === undefined ? base : (embeddingLevels[before] ?? base);
    const levelAfter =
      after === undefined || isIsolateInitiator(lastType) ? base : (embeddingLevels[after] ?? base);
    const sos: Strong = Math.max(level, levelBefore) % 2 === 1 ? "R" : "L";
    const eos: Strong = Math.max(level, levelAfter) % 2 === 1 ? "R" : "L";
    const embedding: Strong = level % 2 === 1 ? "R" : "L";

    const t = sequence.map((i) => types[i] ?? "ON");
    const seqCps = sequence.map((i) => cps[i] ?? 0);
    const seqOriginal = sequence.map((i) => original[i] ?? "ON");
    resolveWeak(t, sos);
    resolveBrackets(t, seqCps, seqOriginal, embedding, sos);
    resolveNeutrals(t, sos, eos, embedding);
    // I1/I2.
    sequence.forEach((i, k) => {
      const type = t[k];
      if (level % 2 === 0) {
        if (type === "R") levels[i] = level + 1;
        else if (type === "AN" || type === "EN") levels[i] = level + 2;
      } else if (type === "L" || type === "EN" || type === "AN") levels[i] = level + 1;
    });
  }

  // X9-removed characters are not shown reordered on their own: they go with what precedes them.
  original.forEach((t, i) => {
    if (!isRemovedByX9(t)) return;
    const neighbour = i > 0 ? i - 1 : kept[0];
    levels[i] = neighbour === undefined ? base : (levels[neighbour] ?? base);
  });

  // L1: separators, and whitespace before them or at the end of the line, go back to the paragraph level.
  let trailing = true;
  for (let i = original.length - 1; i >= 0; i--) {
    const t = original[i] ?? "L";
    if (t === "S" || t === "B") {
      levels[i] = base;
      trailing = true;
    } else if (t === "WS" || isIsolateInitiator(t) || t === "PDI" || isRemovedByX9(t)) {
      if (trailing) levels[i] = base;
    } else trailing = false;
  }
  return { paragraphLevel: base, levels };
}
