/**
 * Zigzag varints as Kafka records use them (protobuf style; KIP-98). Numbers stay within JS safe
 * integers: record fields never need more than 53 bits (timestamp deltas included). No I/O.
 */

export function varintSize(n: number): number {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  let size = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    size++;
  }
  return size;
}

/** Writes a zigzag varint at `pos`; returns the new position. */
export function writeVarint(buf: Buffer, pos: number, n: number): number {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  while (v >= 128) {
    buf[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

export class VarReader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
  ) {}

  varint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.buf.length) throw new RangeError('varint runs past the end');
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) break;
      mul *= 128;
      if (mul > 2 ** 63) throw new RangeError('varint too long');
    }
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  int8(): number {
    if (this.pos >= this.buf.length) throw new RangeError('int8 runs past the end');
    return this.buf.readInt8(this.pos++);
  }

  /** Bytes with a varint length; -1 = null. */
  bytes(): Buffer | null {
    const len = this.varint();
    if (len < 0) return null;
    if (this.pos + len > this.buf.length) throw new RangeError('bytes run past the end');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
}
