/**
 * Just enough Protocol Buffers for ONNX: a writer for the messages we emit and a bounds-checked reader that
 * walks fields of untrusted bytes. Wire types used: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private rawVarint(value: bigint): void {
    // Negative int64 values are encoded as their 64-bit two's complement (10 bytes), per the spec.
    let v = BigInt.asUintN(64, value);
    this.ensure(10);
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      this.buf[this.len++] = byte;
    } while (v !== 0n);
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(BigInt((field << 3) | wire));
  }

  /** int32/int64/enum/bool field. */
  varint(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.rawVarint(BigInt(value));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    this.ensure(4);
    new DataView(this.buf.buffer).setFloat32(this.len, value, true);
    this.len += 4;
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.rawVarint(BigInt(data.length));
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  string(field: number, text: string): this {
    return this.bytes(field, new TextEncoder().encode(text));
  }

  message(field: number, inner: ProtoWriter): this {
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** One field read from a message: numbers for varint/fixed fields, a byte view for length-delimited ones. */
export type ProtoField =
  | { field: number; wire: typeof WIRE_VARINT; value: bigint }
  | { field: number; wire: typeof WIRE_FIXED64; value: Uint8Array }
  | { field: number; wire: typeof WIRE_FIXED32; value: Uint8Array }
  | { field: number; wire: typeof WIRE_LEN; value: Uint8Array };

/** Thrown for malformed bytes; callers turn it into a user-facing error naming the file. */
export class ProtoError extends Error {}

function readVarint(bytes: Uint8Array, at: { pos: number }): bigint {
  let result = 0n;
  let shift = 0n;
  for (let k = 0; k < 10; k++) {
    if (at.pos >= bytes.length) throw new ProtoError('truncated varint');
    const b = bytes[at.pos++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
    shift += 7n;
  }
  throw new ProtoError('varint longer than 10 bytes');
}

/** Every top-level field of a message, in order. Throws ProtoError on anything malformed. */
export function readFields(bytes: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  const at = { pos: 0 };
  while (at.pos < bytes.length) {
    const key = readVarint(bytes, at);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0 || field > 536_870_911) throw new ProtoError(`invalid field number ${field}`);
    const take = (n: number): Uint8Array => {
      if (n > bytes.length - at.pos) throw new ProtoError(`field ${field} runs past the end of its message`);
      const view = bytes.subarray(at.pos, at.pos + n);
      at.pos += n;
      return view;
    };
    switch (wire) {
      case WIRE_VARINT:
        fields.push({ field, wire, value: readVarint(bytes, at) });
        break;
      case WIRE_FIXED64:
        fields.push({ field, wire, value: take(8) });
        break;
      case WIRE_FIXED32:
        fields.push({ field, wire, value: take(4) });
        break;
      case WIRE_LEN: {
        const n = readVarint(bytes, at);
        if (n > BigInt(bytes.length - at.pos)) throw new ProtoError(`field ${field} length ${n} runs past the end of its message`);
        fields.push({ field, wire, value: take(Number(n)) });
        break;
      }
      default:
        throw new ProtoError(`unsupported wire type ${wire} for field ${field}`);
    }
  }
  return fields;
}

export function decodeUtf8(bytes: Uint8Array): string {
  try {
    // ignoreBOM: a protobuf string is exactly its bytes; the default would drop a leading U+FEFF, so that
    // '\uFEFFW1' would read as the tensor name 'W1'.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new ProtoError('string is not valid UTF-8');
  }
}
