/**
 * Reader: decodes Kafka primitive types from one request buffer (no I/O). Classic types (INT16-length
 * STRING, INT32-length BYTES/ARRAY) and the flexible-version "compact" types (UNSIGNED_VARINT length + 1,
 * 0 = null) plus tagged fields (KIP-482). Every read is bounds-checked: a short or lying frame raises
 * STRATA_ERR_INVALID_REQUEST, never a RangeError deep inside Buffer.
 */
import { StrataError } from '../../../errors.js';

export class Reader {
  pos: number;
  constructor(readonly buf: Buffer, pos = 0) {
    this.pos = pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) {
      throw new StrataError('STRATA_ERR_INVALID_REQUEST', `kafka frame truncated: need ${n} bytes at ${this.pos} of ${this.buf.length}`);
    }
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }
  bool(): boolean {
    return this.int8() !== 0;
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  bigint64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  /** INT64 as a JS number (offsets and timestamps stay far below 2^53). */
  int64(): number {
    return Number(this.bigint64());
  }
  float64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      this.need(1);
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 28) throw new StrataError('STRATA_ERR_INVALID_REQUEST', 'kafka varint too long');
    }
  }
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
  uuid(): string {
    this.need(16);
    const hex = this.buf.toString('hex', this.pos, this.pos + 16);
    this.pos += 16;
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  private slice(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  /** STRING / NULLABLE_STRING (INT16 length) or COMPACT_(NULLABLE_)STRING. */
  string(compact: boolean): string | null {
    const n = compact ? this.uvarint() - 1 : this.int16();
    if (n < 0) return null;
    return this.slice(n).toString('utf8');
  }
  /** BYTES / NULLABLE_BYTES (INT32 length) or COMPACT_(NULLABLE_)BYTES; returns a view, not a copy. */
  bytes(compact: boolean): Buffer | null {
    const n = compact ? this.uvarint() - 1 : this.int32();
    if (n < 0) return null;
    return this.slice(n);
  }
  /** ARRAY length (INT32, -1 = null) or COMPACT_ARRAY length (N+1, 0 = null). */
  arrayLength(compact: boolean): number {
    const n = compact ? this.uvarint() - 1 : this.int32();
    // each element takes at least one byte: a larger count is a lie, not a reason to allocate
    if (n > this.remaining) throw new StrataError('STRATA_ERR_INVALID_REQUEST', `kafka array length ${n} exceeds the frame`);
    return n;
  }
  /** TAGGED_FIELDS: calls onTag for each field with a reader over its bytes; unknown tags are skipped. */
  taggedFields(onTag?: (tag: number, r: Reader) => void): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      const size = this.uvarint();
      const body = this.slice(size);
      onTag?.(tag, new Reader(body));
    }
  }
}
