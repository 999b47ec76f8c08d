/**
 * A small seeded pseudo-random generator (SplitMix32-seeded xoshiro128**), so that a shuffle or a split
 * depends on the seed alone — the same seed gives the same order on every machine and Node version
 * (Math.random cannot be seeded).
 */

/** Mixes a 32-bit value (SplitMix32's finalizer). */
function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A deterministic random stream. */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** `seed` and optional `stream` (e.g. a bucket number) pick independent sequences. */
  constructor(seed: number, stream = 0) {
    let x = mix32((seed >>> 0) ^ mix32(stream >>> 0));
    const next = (): number => (x = mix32(x));
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() | 1; // never all zero
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform integer in [0, n) for 0 < n ≤ 2^32, without modulo bias. */
  below(n: number): number {
    if (!(n > 0 && n <= 0x100000000)) throw new RangeError(`below(${n}): n must be in (0, 2^32]`);
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }

  /** Shuffles `items` in place (Fisher–Yates). */
  shuffle<T>(items: T[]): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
