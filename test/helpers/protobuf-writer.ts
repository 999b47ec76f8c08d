/**
 * A minimal protocol-buffers (proto2 wire format) encoder: just the field kinds a SentencePiece
 * `ModelProto` needs — varint ints/bools/enums, 32-bit floats, strings/bytes and nested messages.
 */

/** Wire types of the protobuf encoding. */
export const WIRE_TYPE = { VARINT: 0, FIXED64: 1, LENGTH_DELIMITED: 2, FIXED32: 5 } as const;

/**
 * Accumulates one message's encoded fields. Fields are written in call order; a nested message is
 * written by encoding it with its own writer and passing it to {@link ProtobufWriter.message}.
 *
 * @example
 * const piece = new ProtobufWriter().string(1, "▁salam").float(2, -3).enumValue(3, 1);
 * const model = new ProtobufWriter().message(1, piece).finish();
 */
export class ProtobufWriter {
  #buffer = new Uint8Array(256);
  #length = 0;
  static readonly #encoder = new TextEncoder();

  /** An int32/int64/uint32/enum field. Negative numbers take 10 bytes (sign-extended to 64 bits). */
  int(field: number, value: number): this {
    if (!Number.isSafeInteger(value))
      throw new RangeError(`protobuf: field ${field}: ${value} is not an integer`);
    this.#tag(field, WIRE_TYPE.VARINT);
    this.#varint(value);
    return this;
  }

  /** An enum field (encoded like an int). */
  enumValue(field: number, value: number): this {
    return this.int(field, value);
  }

  /** A bool field. */
  bool(field: number, value: boolean): this {
    return this.int(field, value ? 1 : 0);
  }

  /** A `float` field: fixed 32 bits, IEEE-754 little-endian. */
  float(field: number, value: number): this {
    this.#tag(field, WIRE_TYPE.FIXED32);
    this.#reserve(4);
    new DataView(this.#buffer.buffer).setFloat32(this.#length, value, true);
    this.#length += 4;
    return this;
  }

  /** A `string` field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, ProtobufWriter.#encoder.encode(value));
  }

  /** A `bytes` field. */
  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, WIRE_TYPE.LENGTH_DELIMITED);
    this.#varint(value.length);
    this.#append(value);
    return this;
  }

  /** A nested message field (length-delimited). */
  message(field: number, nested: ProtobufWriter | Uint8Array): this {
    return this.bytes(field, nested instanceof ProtobufWriter ? nested.finish() : nested);
  }

  /** The encoded bytes so far (a copy: the writer may keep growing). */
  finish(): Uint8Array {
    return this.#buffer.slice(0, this.#length);
  }

  #tag(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) {
      throw new RangeError(`protobuf: bad field number ${field}`);
    }
    // field << 3 overflows 32-bit ints for large field numbers: multiply instead.
    this.#varint(field * 8 + wireType);
  }

  #varint(value: number): void {
    this.#reserve(10);
    if (value < 0) {
      // Two's complement over 64 bits, as protobuf encodes negative int32/int64.
      let big = BigInt.asUintN(64, BigInt(value));
      while (big >= 0x80n) {
        this.#buffer[this.#length++] = Number(big & 0x7fn) | 0x80;
        big >>= 7n;
      }
      this.#buffer[this.#length++] = Number(big);
      return;
    }
    let v = value;
    while (v >= 0x80) {
      this.#buffer[this.#length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#buffer[this.#length++] = v;
  }

  #append(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#buffer.length) return;
    let size = this.#buffer.length * 2;
    while (size < this.#length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }
}
