/**
 * Learns SentencePiece-style BPE pieces from a small corpus, for the generated test tokenizer.
 *
 * Spaces become `▁` (U+2581) glued to the front of the following word (no dummy prefix at line starts);
 * merges never cross a word boundary. Each step merges the most frequent adjacent pair. Deterministic:
 * same lines and options ⇒ same pieces, scores and order.
 */

/** SentencePiece's whitespace symbol. */
export const SPACE_SYMBOL = "\u2581";

/** A learned piece and its SentencePiece score (higher merges first). */
export interface BpePiece {
  piece: string;
  score: number;
}

/** Options of {@link trainBpe}. */
export interface TrainBpeOptions {
  /** How many merged pieces to learn (fewer if the corpus runs out of pairs). */
  numMerges: number;
  /** Pairs seen fewer times than this are never merged. Default 2. */
  minFrequency?: number;
  /** Longest merged piece, in code points (sentencepiece's default 16). */
  maxPieceLength?: number;
}

/** Result of {@link trainBpe}. */
export interface TrainedBpe {
  /** Merged pieces (score −index, in merge order) then single characters (scores below every merge). */
  pieces: BpePiece[];
  /** The merges, in order: `[left, right]`, whose concatenation is `pieces[i].piece`. */
  merges: [string, string][];
  /** The single characters, most frequent first (ties by code point); includes `\n`. */
  characters: string[];
}

/**
 * Splits one line into SentencePiece words: `"salam, labas 3lik"` → `["salam,", "▁labas", "▁3lik"]`.
 * Each space starts a new word (so `"a  b"` → `["a", "▁", "▁b"]`); other whitespace characters (tab,
 * newline) stand alone, since merges must not cross whitespace.
 */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let current = "";
  for (const ch of line) {
    if (ch === " ") {
      if (current !== "") words.push(current);
      current = SPACE_SYMBOL;
    } else if (/\s/u.test(ch)) {
      if (current !== "") words.push(current);
      words.push(ch);
      current = "";
    } else {
      current += ch;
    }
  }
  if (current !== "") words.push(current);
  return words;
}

/** Code-unit string order, independent of locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Trains BPE merges over `lines`.
 *
 * @example
 * const { pieces } = trainBpe(CORPUS_LINES, { numMerges: 300 });
 */
export function trainBpe(lines: readonly string[], options: TrainBpeOptions): TrainedBpe {
  const minFrequency = options.minFrequency ?? 2;
  const maxPieceLength = options.maxPieceLength ?? 16;

  // Unique words with their counts: merging works on types, weighted by frequency.
  const wordCounts = new Map<string, number>();
  const charCounts = new Map<string, number>();
  for (const line of lines) {
    for (const word of splitWords(line)) {
      wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
      for (const ch of word) charCounts.set(ch, (charCounts.get(ch) ?? 0) + 1);
    }
  }
  // Lines are separated by newlines in the text the corpus stands for; "\n" must be a piece anyway.
  charCounts.set("\n", (charCounts.get("\n") ?? 0) + Math.max(1, lines.length - 1));

  const words = [...wordCounts.entries()]
    .sort(([a], [b]) => compare(a, b))
    .map(([word, count]) => ({ symbols: Array.from(word), count }));

  const known = new Set<string>(charCounts.keys());
  const pieces: BpePiece[] = [];
  const merges: [string, string][] = [];

  while (merges.length < options.numMerges) {
    const best = mostFrequentPair(words, maxPieceLength);
    if (best === undefined || best.count < minFrequency) break;
    const merged = best.left + best.right;
    for (const word of words) word.symbols = applyMerge(word.symbols, best.left, best.right);
    // Another split may already have produced this text: then the merge adds no new piece.
    if (known.has(merged)) continue;
    known.add(merged);
    pieces.push({ piece: merged, score: 0 - merges.length });
    merges.push([best.left, best.right]);
  }

  const characters = [...charCounts.entries()]
    .sort(([a, ca], [b, cb]) => cb - ca || a.codePointAt(0)! - b.codePointAt(0)!)
    .map(([ch]) => ch);
  characters.forEach((ch, rank) => pieces.push({ piece: ch, score: -(merges.length + rank) }));
  return { pieces, merges, characters };
}

/** The most frequent adjacent pair (ties: smallest left, then smallest right), or undefined. */
function mostFrequentPair(
  words: readonly { symbols: string[]; count: number }[],
  maxPieceLength: number,
): { left: string; right: string; count: number } | undefined {
  // Keyed by left + NUL + right: NUL never occurs in the corpus, so keys are unambiguous.
  const pairCounts = new Map<string, number>();
  for (const { symbols, count } of words) {
    for (let i = 0; i + 1 < symbols.length; i++) {
      const left = symbols[i]!;
      const right = symbols[i + 1]!;
      if (Array.from(left).length + Array.from(right).length > maxPieceLength) continue;
      const key = `${left}\u0000${right}`;
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
    }
  }
  let bestKey: string | undefined;
  let bestCount = 0;
  for (const [key, count] of pairCounts) {
    if (count > bestCount || (count === bestCount && bestKey !== undefined && compare(key, bestKey) < 0)) {
      bestKey = key;
      bestCount = count;
    }
  }
  if (bestKey === undefined) return undefined;
  const [left, right] = bestKey.split("\u0000") as [string, string];
  return { left, right, count: bestCount };
}

/** Replaces each non-overlapping occurrence of (left, right), scanning left to right. */
function applyMerge(symbols: readonly string[], left: string, right: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (symbols[i] === left && symbols[i + 1] === right) {
      out.push(left + right);
      i++;
    } else {
      out.push(symbols[i]!);
    }
  }
  return out;
}
