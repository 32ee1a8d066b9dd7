// A small protobuf wire-format reader and writer for the few OTLP messages we take and answer: bounds-checked
// against the enclosing message's end, so truncated varints, lengths past the end and wrong wire types are a 400,
// never a crash. No schema runtime and no generic tree: each message decoder (otlp-protobuf.ts) reads its fields
// straight into the object it returns.
import { AppError } from '../../errors';

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** The tag byte(s) of a field, as a number: `(field << 3) | wireType`. */
export function tagOf(field: number, wireType: number): number {
  return (field << 3) | wireType;
}

/** A set of field numbers (all below 32 in OTLP's messages), to tell a known field sent with the wrong wire type. */
export function fieldSet(...fields: number[]): number {
  return fields.reduce((set, field) => set | (1 << field), 0);
}

/**
 * Buffer's `utf8Slice(start, end)` (in every Node release, though not in its typings) skips the argument
 * handling of `toString('utf8', start, end)`, about a third of the cost of a short string; malformed sequences
 * become U+FFFD either way.
 */
type NodeBuffer = Buffer & { utf8Slice(start: number, end: number): string };

const hexPairs = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

export class WireReader {
  readonly bytes: Uint8Array;
  /** The same bytes as a Buffer, for its native UTF-8 and base64 decoders. */
  private readonly text: NodeBuffer;
  private readonly view: DataView;
  pos = 0;
  /** The two halves of the last `varint64`. */
  lo = 0;
  hi = 0;

  constructor(
    bytes: Uint8Array,
    readonly messageName: string,
  ) {
    this.bytes = bytes;
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as NodeBuffer;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(reason: string): never {
    throw new AppError('invalid_input', `The body is not a valid protobuf ${this.messageName}: ${reason} (at byte ${this.pos})`, {
      issues: [{ field: '(body)', message: reason }],
    });
  }

  /** A field's tag; field 0 and the group wire types (never used by OTLP) are malformed. */
  tag(end: number): number {
    const byte = this.bytes[this.pos];
    // Field numbers 1-15 with any wire type fit one byte: every OTLP field we read.
    if (byte !== undefined && byte < 0x80 && this.pos < end) {
      this.pos++;
      if (byte < 8) this.fail('field number 0');
      return byte;
    }
    const tag = this.varint32(end);
    if (tag >>> 3 === 0) this.fail('field number 0');
    return tag;
  }

  /** A varint of at most 32 bits (tags, lengths); longer encodings are refused rather than truncated. */
  varint32(end: number): number {
    const bytes = this.bytes;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= end) this.fail('truncated varint');
      const byte = bytes[this.pos++]!;
      if (shift === 28 && byte > 0x0f) this.fail('varint too long for 32 bits');
      result |= (byte & 0x7f) << shift;
      if (byte < 0x80) return result >>> 0;
    }
    return this.fail('varint too long for 32 bits');
  }

  /** A varint of up to 64 bits into `lo`/`hi` (unsigned halves). */
  varint64(end: number): void {
    const bytes = this.bytes;
    let lo = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (this.pos >= end) this.fail('truncated varint');
      const byte = bytes[this.pos++]!;
      lo |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.lo = lo >>> 0;
        this.hi = 0;
        return;
      }
    }
    if (this.pos >= end) this.fail('truncated varint');
    let byte = bytes[this.pos++]!;
    lo |= (byte & 0x7f) << 28;
    let hi = (byte & 0x7f) >>> 4;
    if (byte >= 0x80) {
      for (let shift = 3; ; shift += 7) {
        if (shift > 31) this.fail('varint longer than 10 bytes');
        if (this.pos >= end) this.fail('truncated varint');
        byte = bytes[this.pos++]!;
        hi |= (byte & 0x7f) << shift;
        if (byte < 0x80) break;
      }
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** An enum or int32: the low 32 bits of the varint, signed (negative int32s are sent as 10 bytes). */
  int32(end: number): number {
    const byte = this.bytes[this.pos];
    if (byte !== undefined && byte < 0x80 && this.pos < end) {
      this.pos++;
      return byte;
    }
    this.varint64(end);
    return this.lo | 0;
  }

  bool(end: number): boolean {
    this.varint64(end);
    return (this.lo | this.hi) !== 0;
  }

  /** An int64 as a number when it is a safe integer, else its exact decimal string (as the JSON form carries it). */
  int64(end: number): number | string {
    this.varint64(end);
    let lo = this.lo;
    let hi = this.hi;
    const negative = hi >= 0x80000000;
    if (negative) {
      lo = (~lo + 1) >>> 0;
      hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
    }
    if (hi < 0x200000) {
      const magnitude = hi * 4294967296 + lo;
      return negative ? -magnitude : magnitude;
    }
    const digits = unsignedDecimal(lo, hi);
    return negative ? `-${digits}` : digits;
  }

  /** An unsigned int64 (a count) as a number; beyond 2^53 it is rounded, which no count reaches. */
  uint64Number(end: number): number {
    this.varint64(end);
    return this.hi * 4294967296 + this.lo;
  }

  /** The end offset of a length-delimited field that starts here. */
  lengthEnd(end: number): number {
    const byte = this.bytes[this.pos];
    let length: number;
    if (byte !== undefined && byte < 0x80 && this.pos < end) {
      this.pos++;
      length = byte;
    } else {
      length = this.varint32(end);
    }
    const fieldEnd = this.pos + length;
    if (fieldEnd > end) this.fail('length past the end of the message');
    return fieldEnd;
  }

  /** fixed64 Unix nanoseconds as their exact decimal string: no BigInt, no float rounding. */
  fixed64Decimal(end: number): string {
    if (this.pos + 8 > end) this.fail('truncated fixed64');
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    return unsignedDecimal(lo, hi);
  }

  /** fixed64 as a number (counts); beyond 2^53 it is rounded, which no count reaches. */
  fixed64Number(end: number): number {
    if (this.pos + 8 > end) this.fail('truncated fixed64');
    const value = this.view.getUint32(this.pos + 4, true) * 4294967296 + this.view.getUint32(this.pos, true);
    this.pos += 8;
    return value;
  }

  /** sfixed64 as a number when safe, else its exact decimal string. */
  sfixed64(end: number): number | string {
    if (this.pos + 8 > end) this.fail('truncated sfixed64');
    let lo = this.view.getUint32(this.pos, true);
    let hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    const negative = hi >= 0x80000000;
    if (negative) {
      lo = (~lo + 1) >>> 0;
      hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
    }
    if (hi < 0x200000) {
      const magnitude = hi * 4294967296 + lo;
      return negative ? -magnitude : magnitude;
    }
    const digits = unsignedDecimal(lo, hi);
    return negative ? `-${digits}` : digits;
  }

  double(end: number): number {
    if (this.pos + 8 > end) this.fail('truncated double');
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  /** A UTF-8 string field; malformed sequences become U+FFFD, as in the JSON path's decoding of the body. */
  string(end: number): string {
    const fieldEnd = this.lengthEnd(end);
    const start = this.pos;
    this.pos = fieldEnd;
    // A hand-written loop for short ASCII measured no faster than the native slice.
    return start === fieldEnd ? '' : this.text.utf8Slice(start, fieldEnd);
  }

  /** A bytes field (trace and span ids) as lowercase hex. */
  hex(end: number): string {
    const fieldEnd = this.lengthEnd(end);
    const bytes = this.bytes;
    let text = '';
    for (let index = this.pos; index < fieldEnd; index++) text += hexPairs[bytes[index]!]!;
    this.pos = fieldEnd;
    return text;
  }

  /** A bytes field as base64, the JSON form's encoding of bytes. */
  base64(end: number): string {
    const fieldEnd = this.lengthEnd(end);
    const text = this.text.toString('base64', this.pos, fieldEnd);
    this.pos = fieldEnd;
    return text;
  }

  /** Packed (or one unpacked) fixed64 counts. */
  packedFixed64(tag: number, end: number, into: number[]): void {
    if ((tag & 7) === WIRE_I64) {
      into.push(this.fixed64Number(end));
      return;
    }
    const fieldEnd = this.lengthEnd(end);
    if ((fieldEnd - this.pos) % 8 !== 0) this.fail('packed fixed64 length is not a multiple of 8');
    while (this.pos < fieldEnd) into.push(this.fixed64Number(fieldEnd));
  }

  /** Packed (or one unpacked) doubles. */
  packedDouble(tag: number, end: number, into: number[]): void {
    if ((tag & 7) === WIRE_I64) {
      into.push(this.double(end));
      return;
    }
    const fieldEnd = this.lengthEnd(end);
    if ((fieldEnd - this.pos) % 8 !== 0) this.fail('packed double length is not a multiple of 8');
    while (this.pos < fieldEnd) into.push(this.double(fieldEnd));
  }

  /** Packed (or one unpacked) uint64 varints. */
  packedUint64(tag: number, end: number, into: number[]): void {
    if ((tag & 7) === WIRE_VARINT) {
      into.push(this.uint64Number(end));
      return;
    }
    const fieldEnd = this.lengthEnd(end);
    while (this.pos < fieldEnd) into.push(this.uint64Number(fieldEnd));
  }

  /**
   * Skips a field we do not read. A field of `known` (a `fieldSet`) reaching here came with the wrong wire
   * type, which is malformed; unknown fields are skipped by their wire type, as protobuf readers must.
   */
  skip(tag: number, end: number, known: number, message: string): void {
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field < 32 && (known >>> field) & 1) this.fail(`${message} field ${field} has the wrong wire type ${wireType}`);
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64(end);
        return;
      case WIRE_I64:
        if (this.pos + 8 > end) this.fail('truncated fixed64');
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.pos = this.lengthEnd(end);
        return;
      case WIRE_I32:
        if (this.pos + 4 > end) this.fail('truncated fixed32');
        this.pos += 4;
        return;
      default:
        this.fail(`${message} field ${field} has wire type ${wireType}, which OTLP does not use`);
    }
  }
}

/** The decimal digits of the unsigned 64-bit `hi * 2^32 + lo`, exactly, with safe-integer arithmetic only. */
export function unsignedDecimal(lo: number, hi: number): string {
  if (hi < 0x200000) return String(hi * 4294967296 + lo);
  // 2^32 = 4294 * 10^6 + 967296, so value = hi * 4294 * 10^6 + (hi * 967296 + lo), the second term below 2^53.
  const rest = hi * 967296 + lo;
  const millions = hi * 4294 + Math.floor(rest / 1e6);
  return `${millions}${String(rest % 1e6).padStart(6, '0')}`;
}

/** A growable byte buffer for the small answers we encode (export responses, `google.rpc.Status`). */
export class WireWriter {
  private bytes: number[] = [];

  varint(value: number): this {
    let rest = value;
    while (rest >= 0x80) {
      this.bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.bytes.push(rest);
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(tagOf(field, wireType));
  }

  /** An int32 or enum field; negative values take ten bytes, as protobuf sends them. */
  int32Field(field: number, value: number): this {
    if (value === 0) return this;
    this.tag(field, WIRE_VARINT);
    if (value > 0) return this.varint(value);
    const lo = value >>> 0;
    for (let index = 0, rest = lo; index < 4; index++, rest >>>= 7) this.bytes.push((rest & 0x7f) | 0x80);
    this.bytes.push(((lo >>> 28) & 0x0f) | 0x70 | 0x80, 0xff, 0xff, 0xff, 0xff, 0x01);
    return this;
  }

  uint64Field(field: number, value: number): this {
    return value === 0 ? this : this.tag(field, WIRE_VARINT).varint(value);
  }

  stringField(field: number, value: string): this {
    if (value === '') return this;
    const encoded = Buffer.from(value, 'utf8');
    this.tag(field, WIRE_LEN).varint(encoded.length);
    for (const byte of encoded) this.bytes.push(byte);
    return this;
  }

  messageField(field: number, message: WireWriter): this {
    const encoded = message.finish();
    this.tag(field, WIRE_LEN).varint(encoded.length);
    for (const byte of encoded) this.bytes.push(byte);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}
