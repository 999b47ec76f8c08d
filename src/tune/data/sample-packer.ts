/**
 * Packs tokenized samples into rows of at most `maxLen` tokens, first-fit over a bounded window of open
 * rows (so memory stays bounded and the result depends only on the order of the samples). A row is
 * emitted when it is full, or, once more than `window` rows are open, the oldest one is.
 */
import type { TokenizedSample } from "./tokenize-conversation.js";

/** Rows open at once; first-fit over more gains little and costs a scan per sample. */
export const PACK_WINDOW = 64;

interface OpenPack {
  samples: TokenizedSample[];
  tokens: number;
}

/** Streaming first-fit packer. */
export class SamplePacker {
  private readonly open: OpenPack[] = [];

  constructor(
    private readonly maxLen: number,
    private readonly emit: (samples: TokenizedSample[]) => Promise<void>,
    private readonly window = PACK_WINDOW,
  ) {}

  /** Adds a sample (at most `maxLen` tokens long). */
  async add(sample: TokenizedSample): Promise<void> {
    const n = sample.ids.length;
    if (n > this.maxLen) throw new RangeError(`sample of ${n} tokens is longer than ${this.maxLen}`);
    let index = this.open.findIndex((p) => p.tokens + n <= this.maxLen);
    if (index === -1) {
      this.open.push({ samples: [], tokens: 0 });
      index = this.open.length - 1;
    }
    const pack = this.open[index]!;
    pack.samples.push(sample);
    pack.tokens += n;
    if (pack.tokens === this.maxLen) {
      this.open.splice(index, 1);
      await this.emit(pack.samples);
    } else if (this.open.length > this.window) {
      await this.emit(this.open.shift()!.samples);
    }
  }

  /** Emits the rows still open, oldest first. */
  async flush(): Promise<void> {
    while (this.open.length > 0) await this.emit(this.open.shift()!.samples);
  }
}
