/**
 * Seeded, deterministic pseudo-random numbers for generated test fixtures (xoshiro128**, seeded by
 * splitmix32). Same seed ⇒ same sequence on every platform, so generated models are reproducible.
 */

/** splitmix32: spreads a 32-bit seed over the whole state, so nearby seeds give unrelated streams. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of `text`: turns a seed string (e.g. a tensor name) into 32 bits. */
export function hashString(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const TWO_POW_32 = 4294967296;

/**
 * A xoshiro128** generator.
 *
 * @example
 * const rng = new Rng(42);
 * rng.nextFloat(); // in [0, 1)
 * rng.normal(); // standard normal
 * rng.int(6); // 0..5
 */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  /** Box–Muller makes two normals at a time; the second waits here. */
  #spare: number | undefined;

  /** @param seed an integer (any 32 bits are used) or a string (hashed). */
  constructor(seed: number | string) {
    const state = { s: typeof seed === "string" ? hashString(seed) : seed >>> 0 };
    this.#a = splitmix32(state);
    this.#b = splitmix32(state);
    this.#c = splitmix32(state);
    this.#d = splitmix32(state);
    // An all-zero state would stay zero forever; splitmix32 practically never yields it, but be sure.
    if ((this.#a | this.#b | this.#c | this.#d) === 0) this.#a = 1;
  }

  /** The next 32 random bits as an unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.#b, 5), 7), 9) >>> 0;
    const t = this.#b << 9;
    this.#c ^= this.#a;
    this.#d ^= this.#b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = rotl(this.#d, 11);
    return result;
  }

  /** A float uniformly distributed in [0, 1) (32 bits of resolution). */
  nextFloat(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /** A standard normal sample (mean 0, variance 1), by the Box–Muller transform. */
  normal(): number {
    const spare = this.#spare;
    if (spare !== undefined) {
      this.#spare = undefined;
      return spare;
    }
    // 1 − u keeps the logarithm's argument in (0, 1].
    const radius = Math.sqrt(-2 * Math.log(1 - this.nextFloat()));
    const angle = 2 * Math.PI * this.nextFloat();
    this.#spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /**
   * Fills `out` with normal(mean, std) samples. Same values as calling `normal()` once per element, but
   * without a call per element: this is the hot loop when generating gigabytes of weights.
   */
  fillNormal(out: Float32Array | Float64Array, mean = 0, std = 1): void {
    let i = 0;
    if (this.#spare !== undefined && out.length > 0) out[i++] = mean + std * this.normal();
    for (; i + 1 < out.length; i += 2) {
      const radius = Math.sqrt(-2 * Math.log(1 - this.nextFloat()));
      const angle = 2 * Math.PI * this.nextFloat();
      out[i] = mean + std * radius * Math.cos(angle);
      out[i + 1] = mean + std * radius * Math.sin(angle);
    }
    if (i < out.length) out[i] = mean + std * this.normal();
  }

  /** An integer uniformly distributed in [0, n) for 1 ≤ n ≤ 2³² (rejection sampling: no modulo bias). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new RangeError(`Rng.int: bad bound ${n}`);
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
