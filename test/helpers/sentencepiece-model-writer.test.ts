import { describe, expect, it } from "vitest";
import { ProtobufWriter } from "./protobuf-writer.js";
import { encodeSentencePieceModel, PIECE_TYPE } from "./sentencepiece-model-writer.js";
import { gemma2Vocab } from "./gemma2-vocab.js";

/** One decoded protobuf field: varints as bigint, fixed32 as raw bytes, length-delimited as bytes. */
interface Field {
  field: number;
  wire: number;
  varint?: bigint;
  bytes?: Uint8Array;
}

/** An independent protobuf decoder (the test must not trust the writer's own encoding). */
function decode(buf: Uint8Array): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[pos++];
      if (b === undefined) throw new Error("truncated varint");
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) fields.push({ field, wire, varint: varint() });
    else if (wire === 5) fields.push({ field, wire, bytes: buf.subarray(pos, (pos += 4)) });
    else if (wire === 2) {
      const len = Number(varint());
      fields.push({ field, wire, bytes: buf.subarray(pos, (pos += len)) });
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  if (pos !== buf.length) throw new Error("trailing bytes");
  return fields;
}

const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);
const float = (b: Uint8Array | undefined): number =>
  new DataView(b!.buffer, b!.byteOffset, 4).getFloat32(0, true);
const one = (fields: Field[], n: number): Field => {
  const found = fields.filter((f) => f.field === n);
  expect(found, `field ${n}`).toHaveLength(1);
  return found[0]!;
};

describe("ProtobufWriter", () => {
  it("encodes varints (incl. negative int32 as 10 bytes), floats, strings and nested messages", () => {
    const bytes = new ProtobufWriter()
      .int(1, 300)
      .int(2, -1)
      .float(3, -2.5)
      .string(4, "▁salam")
      .message(5, new ProtobufWriter().bool(1, true))
      .int(300, 1)
      .finish();
    expect([...bytes.subarray(0, 3)]).toEqual([0x08, 0xac, 0x02]);
    const fields = decode(bytes);
    expect(fields.map((f) => f.field)).toEqual([1, 2, 3, 4, 5, 300]);
    expect(fields[1]!.varint).toBe(2n ** 64n - 1n);
    expect(bytes.subarray(3, 14).length).toBe(11); // tag + 10 bytes for -1
    expect(float(fields[2]!.bytes)).toBe(-2.5);
    expect(text(fields[3]!.bytes)).toBe("▁salam");
    expect(decode(fields[4]!.bytes!)).toEqual([{ field: 1, wire: 0, varint: 1n }]);
  });
});

describe("encodeSentencePieceModel", () => {
  const vocab = gemma2Vocab(640);
  const model = decode(encodeSentencePieceModel(vocab));

  it("stores every piece with its text, score and type (NORMAL omitted as the proto default)", () => {
    const pieces = model.filter((f) => f.field === 1).map((f) => decode(f.bytes!));
    expect(pieces).toHaveLength(640);
    pieces.forEach((fields, id) => {
      expect(text(one(fields, 1).bytes)).toBe(vocab.pieces[id]);
      expect(float(one(fields, 2).bytes)).toBe(Math.fround(vocab.scores[id]!));
      const type = fields.find((f) => f.field === 3);
      expect(type === undefined ? PIECE_TYPE.NORMAL : Number(type.varint)).toBe(vocab.types[id]);
    });
  });

  it("writes a BPE trainer spec with byte fallback and the special ids of the vocabulary", () => {
    const trainer = decode(one(model, 2).bytes!);
    const int = (n: number): number => Number(one(trainer, n).varint);
    expect(int(3)).toBe(2); // model_type BPE
    expect(int(4)).toBe(640); // vocab_size
    expect(int(35)).toBe(1); // byte_fallback
    expect([int(40), int(41), int(42), int(43)]).toEqual([3, 2, 1, 0]); // unk, bos, eos, pad
    expect([45, 46, 47, 48].map((n) => text(one(trainer, n).bytes))).toEqual([
      "<unk>",
      "<bos>",
      "<eos>",
      "<pad>",
    ]);
  });

  it("writes Gemma's normalizer spec: identity, no dummy prefix, whitespace kept and escaped", () => {
    const normalizer = decode(one(model, 3).bytes!);
    expect(text(one(normalizer, 1).bytes)).toBe("identity");
    expect(one(normalizer, 3).varint).toBe(0n);
    expect(one(normalizer, 4).varint).toBe(0n);
    expect(one(normalizer, 5).varint).toBe(1n);
  });

  it("rejects arrays of different lengths", () => {
    expect(() => encodeSentencePieceModel({ pieces: ["a"], scores: [], types: [1] })).toThrow(/scores/);
  });
});
