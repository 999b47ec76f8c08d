/**
 * A minimal, bounds-checked protobuf wire-format reader (varints, fixed32/64, length-delimited) — enough
 * for SentencePiece's `ModelProto`. Any read past the end throws, so a truncated or hostile file gives an
 * error rather than garbage.
 */

/** Wire types of the protobuf encoding. */
export const WIRE = { VARINT: 0, FIXED64: 1, LEN: 2, START_GROUP: 3, END_GROUP: 4, FIXED32: 5 } as const;

/** Thrown on malformed input; callers wrap it into an AtlasError naming the file. */
export class ProtobufError extends Error {
  override readonly name = "ProtobufError";
}

/** Reads protobuf fields from `bytes[start, end)`. */
export class ProtoReader {
  private pos: number;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** True while fields remain. */
  more(): boolean {
    return this.pos < this.end;
  }

  /** The offset of the next byte. */
  get position(): number {
    return this.pos;
  }

  /** Reads a field key: field number and wire type. */
  key(): { field: number; wire: number } {
    const key = this.varint();
    const field = Math.floor(key / 8);
    if (field === 0) throw new ProtobufError(`field number 0 at offset ${this.pos}`);
    return { field, wire: key % 8 };
  }

  /** An unsigned varint as a number (exact up to 2^53; larger values lose low bits, which we never need). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufError("varint runs past the end");
      const b = this.bytes[this.pos++]!;
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new ProtobufError("varint longer than 10 bytes");
  }

  /** An `int32` field: the low 32 bits of the varint, signed (negative values use 10 bytes on the wire). */
  int32(): number {
    let low = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufError("varint runs past the end");
      const b = this.bytes[this.pos++]!;
      if (i < 5) low |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) return low | 0;
    }
    throw new ProtobufError("varint longer than 10 bytes");
  }

  /** A `float` (wire type 5). */
  float32(): number {
    this.need(4);
    const value = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return value;
  }

  /** A length-delimited field's bounds; the reader moves past it. */
  lengthDelimited(): { start: number; end: number } {
    const length = this.varint();
    this.need(length);
    const start = this.pos;
    this.pos += length;
    return { start, end: this.pos };
  }

  /** A length-delimited field's bytes (a view, not a copy). */
  bytesField(): Uint8Array {
    const { start, end } = this.lengthDelimited();
    return this.bytes.subarray(start, end);
  }

  /** A reader over a nested message. */
  message(): ProtoReader {
    const { start, end } = this.lengthDelimited();
    return new ProtoReader(this.bytes, start, end);
  }

  /** Skips a field of wire type `wire`. */
  skip(wire: number): void {
    switch (wire) {
      case WIRE.VARINT:
        this.varint();
        return;
      case WIRE.FIXED64:
        this.need(8);
        this.pos += 8;
        return;
      case WIRE.LEN:
        this.lengthDelimited();
        return;
      case WIRE.FIXED32:
        this.need(4);
        this.pos += 4;
        return;
      default:
        throw new ProtobufError(`unsupported wire type ${wire} at offset ${this.pos}`);
    }
  }

  private need(n: number): void {
    if (n > this.end - this.pos)
      throw new ProtobufError(`field of ${n} bytes runs past the end at offset ${this.pos}`);
  }
}
