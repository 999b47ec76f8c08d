/**
 * Sequential little-endian reads over a file through a reusable window buffer, for headers that are too
 * big to read in one go (a GGUF vocabulary is several MB) but must not pull the whole file into memory.
 * Every read is checked against the file size and a budget.
 */
import type { FileHandle } from "node:fs/promises";
import { AtlasError } from "../core/index.js";
import { readExactly } from "./file-io.js";

const WINDOW = 1 << 20;

/** A forward-only reader over `handle`. */
export class FileCursor {
  private window: Buffer = Buffer.alloc(WINDOW);
  /** File offset of window[0]. */
  private windowStart = 0;
  private windowLength = 0;
  /** Absolute file offset of the next byte. */
  position = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
    readonly path: string,
    /** Reading past this offset is refused (bounds how much header we accept). */
    private readonly budget: number,
  ) {}

  /** Makes `n` bytes at `position` available; call before the sync readers. */
  async need(n: number, what: string): Promise<void> {
    const end = this.position + n;
    if (end > this.size)
      throw new AtlasError(
        "INVALID_MODEL",
        `file is truncated: ${what} needs bytes up to ${end} but the file has ${this.size}`,
        { where: this.path, hint: "re-download it" },
      );
    if (end > this.budget)
      throw new AtlasError(
        "INVALID_MODEL",
        `${what} ends at byte ${end}, past the ${this.budget}-byte header limit`,
        {
          where: this.path,
        },
      );
    if (this.position >= this.windowStart && end <= this.windowStart + this.windowLength) return;
    if (n > this.window.length) this.window = Buffer.alloc(n);
    const length = Math.min(this.window.length, this.size - this.position);
    await readExactly(this.handle, this.window, length, this.position, this.path);
    this.windowStart = this.position;
    this.windowLength = length;
  }

  /** True when `n` bytes are already buffered (lets hot loops skip the await). */
  has(n: number): boolean {
    return this.position >= this.windowStart && this.position + n <= this.windowStart + this.windowLength;
  }

  private at(n: number): number {
    const offset = this.position - this.windowStart;
    this.position += n;
    return offset;
  }

  u8(): number {
    return this.window.readUInt8(this.at(1));
  }
  i8(): number {
    return this.window.readInt8(this.at(1));
  }
  u16(): number {
    return this.window.readUInt16LE(this.at(2));
  }
  i16(): number {
    return this.window.readInt16LE(this.at(2));
  }
  u32(): number {
    return this.window.readUInt32LE(this.at(4));
  }
  i32(): number {
    return this.window.readInt32LE(this.at(4));
  }
  f32(): number {
    return this.window.readFloatLE(this.at(4));
  }
  f64(): number {
    return this.window.readDoubleLE(this.at(8));
  }
  u64(): bigint {
    return this.window.readBigUInt64LE(this.at(8));
  }
  i64(): bigint {
    return this.window.readBigInt64LE(this.at(8));
  }
  /**
   * A GGUF string (u64 length + bytes) when it is wholly buffered and at most `maxBytes` long; otherwise
   * undefined, without moving (the caller then takes the slow, checked path).
   */
  bufferedString(maxBytes: number): string | undefined {
    if (!this.has(8)) return undefined;
    const offset = this.position - this.windowStart;
    const length = this.window.readBigUInt64LE(offset);
    if (length > BigInt(maxBytes)) return undefined;
    const n = Number(length);
    if (!this.has(8 + n)) return undefined;
    this.position += 8 + n;
    return this.window.toString("utf8", offset + 8, offset + 8 + n);
  }

  /** `n` bytes as UTF-8 text (invalid sequences become U+FFFD, as llama.cpp keeps the raw bytes). */
  utf8(n: number): string {
    const offset = this.at(n);
    return this.window.toString("utf8", offset, offset + n);
  }
}
