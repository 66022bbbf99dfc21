/**
 * Writer: encodes Kafka primitive types (classic and compact) into a list of chunks (no I/O). Small values
 * go into a growing scratch buffer; large byte fields (record batches served by Fetch) are appended by
 * reference, so stored batches reach the socket without being copied or re-encoded.
 */

const SCRATCH = 8192;
const BY_REFERENCE = 1024;

export class Writer {
  private chunks: Buffer[] = [];
  private cur: Buffer = Buffer.allocUnsafe(SCRATCH);
  private pos = 0;
  private done = 0;

  get length(): number {
    return this.done + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.cur.length) return;
    this.flushCurrent();
    this.cur = Buffer.allocUnsafe(Math.max(SCRATCH, n));
  }
  private flushCurrent(): void {
    if (this.pos > 0) {
      this.chunks.push(this.cur.subarray(0, this.pos));
      this.done += this.pos;
      this.cur = this.cur.subarray(this.pos);
      this.pos = 0;
    }
  }

  int8(v: number): this {
    this.ensure(1);
    this.cur.writeInt8(v, this.pos++);
    return this;
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  int16(v: number): this {
    this.ensure(2);
    this.cur.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }
  uint16(v: number): this {
    this.ensure(2);
    this.cur.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }
  int32(v: number): this {
    this.ensure(4);
    this.cur.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }
  uint32(v: number): this {
    this.ensure(4);
    this.cur.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }
  int64(v: number | bigint): this {
    this.ensure(8);
    this.cur.writeBigInt64BE(BigInt(v), this.pos);
    this.pos += 8;
    return this;
  }
  float64(v: number): this {
    this.ensure(8);
    this.cur.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }
  uvarint(v: number): this {
    this.ensure(5);
    while (v >= 0x80) {
      this.cur[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.cur[this.pos++] = v;
    return this;
  }
  varint(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  uuid(v: string | null | undefined): this {
    const hex = (v ?? '').replace(/-/g, '');
    this.ensure(16);
    if (hex.length === 32) this.cur.write(hex, this.pos, 16, 'hex');
    else this.cur.fill(0, this.pos, this.pos + 16);
    this.pos += 16;
    return this;
  }
  raw(b: Buffer): this {
    if (b.length >= BY_REFERENCE) {
      this.flushCurrent();
      this.chunks.push(b);
      this.done += b.length;
      return this;
    }
    this.ensure(b.length);
    b.copy(this.cur, this.pos);
    this.pos += b.length;
    return this;
  }
  /** STRING / NULLABLE_STRING or COMPACT_(NULLABLE_)STRING. */
  string(v: string | null | undefined, compact: boolean): this {
    if (v === null || v === undefined) return compact ? this.uvarint(0) : this.int16(-1);
    const b = Buffer.from(v, 'utf8');
    if (compact) this.uvarint(b.length + 1);
    else this.int16(b.length);
    return this.raw(b);
  }
  /** BYTES / NULLABLE_BYTES or compact; a list of buffers is written as one field (record batches). */
  bytes(v: Buffer | Buffer[] | null | undefined, compact: boolean): this {
    if (v === null || v === undefined) return compact ? this.uvarint(0) : this.int32(-1);
    const parts = Array.isArray(v) ? v : [v];
    const n = parts.reduce((s, p) => s + p.length, 0);
    if (compact) this.uvarint(n + 1);
    else this.int32(n);
    for (const p of parts) this.raw(p);
    return this;
  }
  arrayLength(n: number | null, compact: boolean): this {
    if (n === null) return compact ? this.uvarint(0) : this.int32(-1);
    return compact ? this.uvarint(n + 1) : this.int32(n);
  }
  /** TAGGED_FIELDS: [tag, bytes] pairs in ascending tag order. */
  taggedFields(fields: Array<[number, Buffer]> = []): this {
    this.uvarint(fields.length);
    for (const [tag, body] of fields) {
      this.uvarint(tag).uvarint(body.length).raw(body);
    }
    return this;
  }

  /** The encoded chunks (the writer must not be used afterwards). */
  finish(): Buffer[] {
    this.flushCurrent();
    return this.chunks;
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.finish());
  }
}
