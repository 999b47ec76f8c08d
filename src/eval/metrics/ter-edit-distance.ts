/**
 * The word-level edit distance behind TER, as sacreBLEU's `lib_ter.BeamEditDistance` computes it: a
 * Levenshtein matrix restricted to a beam around the diagonal, with Tercom's operation preferences, and
 * a trie of already computed rows keyed by hypothesis prefix (the shift search asks for many hypotheses
 * that share a prefix). The beam makes the result an upper bound of the true distance — that is the
 * reference behaviour, reproduced here.
 */

/** Edit operations of a trace. */
export const OP = { nop: 0, sub: 1, ins: 2, del: 3, undef: 4 } as const;
type Op = (typeof OP)[keyof typeof OP];

const COST_SUB = 1;
const COST_INS = 1;
const COST_DEL = 1;
const BEAM_WIDTH = 25;
const INFINITY_COST = 1e16;
/** Rows kept in the prefix cache (sacreBLEU's limit). */
const MAX_CACHE_ROWS = 10_000;

interface Row {
  cost: Float64Array;
  op: Uint8Array;
}

interface TrieNode {
  children: Map<string, { node: TrieNode; row: Row }>;
}

/** Edit distances from hypotheses to one fixed reference. */
export class BeamEditDistance {
  private readonly initialRow: Row;
  private readonly root: TrieNode = { children: new Map() };
  private cachedRows = 0;

  constructor(private readonly ref: readonly string[]) {
    const width = ref.length + 1;
    this.initialRow = { cost: new Float64Array(width), op: new Uint8Array(width).fill(OP.ins) };
    for (let j = 0; j < width; j++) this.initialRow.cost[j] = j * COST_INS;
  }

  /** The distance from `hyp` to the reference and the trace of operations (rewriting hyp into ref). */
  distance(hyp: readonly string[]): { distance: number; trace: Op[] } {
    const rows: Row[] = [this.initialRow];
    let node = this.root;
    for (const word of hyp) {
      const entry = node.children.get(word);
      if (entry === undefined) break;
      rows.push(entry.row);
      node = entry.node;
    }
    const start = rows.length - 1;
    const nHyp = hyp.length;
    const nRef = this.ref.length;
    const lengthRatio = nHyp > 0 ? nRef / nHyp : 1;
    // In degenerate length ratios the beam would miss the previous row entirely: widen it.
    const beam = BEAM_WIDTH < lengthRatio / 2 ? Math.ceil(lengthRatio / 2 + BEAM_WIDTH) : BEAM_WIDTH;
    for (let i = start + 1; i <= nHyp; i++) {
      const prev = rows[i - 1]!;
      const row: Row = {
        cost: new Float64Array(nRef + 1).fill(INFINITY_COST),
        op: new Uint8Array(nRef + 1).fill(OP.undef),
      };
      const diagonal = Math.floor(i * lengthRatio);
      const minJ = Math.max(0, diagonal - beam);
      const maxJ = i === nHyp ? nRef + 1 : Math.min(nRef + 1, diagonal + beam);
      for (let j = minJ; j < maxJ; j++) {
        if (j === 0) {
          row.cost[0] = prev.cost[0]! + COST_DEL;
          row.op[0] = OP.del;
          continue;
        }
        const same = hyp[i - 1] === this.ref[j - 1];
        // Tercom prefers nop/sub, then insertion, then deletion; the trace is flipped later, so
        // deletion and insertion swap places here (as in sacreBLEU).
        const options: [number, Op][] = [
          [prev.cost[j - 1]! + (same ? 0 : COST_SUB), same ? OP.nop : OP.sub],
          [prev.cost[j]! + COST_DEL, OP.del],
          [row.cost[j - 1]! + COST_INS, OP.ins],
        ];
        for (const [cost, op] of options) {
          if (row.cost[j]! > cost) {
            row.cost[j] = cost;
            row.op[j] = op;
          }
        }
      }
      rows.push(row);
    }
    this.remember(hyp, rows, start);
    const trace: Op[] = [];
    let i = nHyp;
    let j = nRef;
    while (i > 0 || j > 0) {
      const op = rows[i]!.op[j] as Op;
      trace.push(op);
      if (op === OP.sub || op === OP.nop) {
        i--;
        j--;
      } else if (op === OP.ins) {
        j--;
      } else if (op === OP.del) {
        i--;
      } else {
        throw new Error(`TER: undefined edit operation at (${i}, ${j})`);
      }
    }
    trace.reverse();
    return { distance: rows[nHyp]!.cost[nRef]!, trace };
  }

  private remember(hyp: readonly string[], rows: readonly Row[], start: number): void {
    if (this.cachedRows >= MAX_CACHE_ROWS) return;
    let node = this.root;
    for (let i = 0; i < start; i++) node = node.children.get(hyp[i]!)!.node;
    for (let i = start; i < hyp.length; i++) {
      let entry = node.children.get(hyp[i]!);
      if (entry === undefined) {
        entry = { node: { children: new Map() }, row: rows[i + 1]! };
        node.children.set(hyp[i]!, entry);
        this.cachedRows++;
      }
      node = entry.node;
    }
  }
}
