/**
 * Turns a stream of token byte pieces into text chunks: UTF-8 sequences split across tokens (byte-fallback
 * pieces of Arabic letters or emoji) are held until complete, and text that might be the start of a stop
 * string is held until it is known not to be one. The stop string itself is never emitted.
 */
export class TokenTextStream {
  private readonly decoder = new TextDecoder("utf-8", { fatal: false });
  private pending = "";
  private stopped = false;

  constructor(private readonly stops: readonly string[] = []) {}

  /** True once a stop string was seen. */
  get hitStop(): boolean {
    return this.stopped;
  }

  /** Adds a token's bytes; returns the text that is now safe to emit (maybe ""). */
  push(bytes: Uint8Array): string {
    if (this.stopped) return "";
    this.pending += this.decoder.decode(bytes, { stream: true });
    return this.release(false);
  }

  /** Ends the stream; returns whatever text was held back (minus any stop string). */
  end(): string {
    if (this.stopped) return "";
    // Bytes of a character the model never finished (e.g. a reply stopped mid-character) are dropped
    // rather than shown as U+FFFD.
    this.pending += this.decoder.decode().replace(/\uFFFD+$/, "");
    return this.release(true);
  }

  private release(final: boolean): string {
    let cut = -1;
    for (const stop of this.stops) {
      if (stop === "") continue;
      const at = this.pending.indexOf(stop);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.stopped = true;
      const out = this.pending.slice(0, cut);
      this.pending = "";
      return out;
    }
    const hold = final ? 0 : this.heldSuffixLength();
    const out = this.pending.slice(0, this.pending.length - hold);
    this.pending = this.pending.slice(this.pending.length - hold);
    return out;
  }

  /** Length of the longest suffix of `pending` that is a proper prefix of some stop string. */
  private heldSuffixLength(): number {
    let hold = 0;
    for (const stop of this.stops) {
      const max = Math.min(stop.length - 1, this.pending.length);
      for (let len = max; len > hold; len--) {
        if (this.pending.endsWith(stop.slice(0, len))) {
          hold = len;
          break;
        }
      }
    }
    return hold;
  }
}
