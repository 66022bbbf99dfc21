/**
 * The raw batch frame (docs/reference/batch-format.md). Little-endian throughout:
 *
 *   0   4  magic "STRB"
 *   4   2  u16 version = 1
 *   6   2  u16 header size = 64
 *   8   4  u32 count (records)
 *  12   4  u32 flags (bit 0: every value has the same size, see fixed size; bit 1: values are packed
 *          at a constant stride of align64(fixed size), so they form one strided 2-D array)
 *  16   8  i64 next offset (batch reads; -1 for epoch batches)
 *  24   8  u64 frame length in bytes
 *  32   8  u64 fixed value size (0 when sizes differ)
 *  40  24  reserved, zero
 *  64      tables of `count` entries each, 8 bytes per entry, in this order:
 *          i64 partition, i64 offset, i64 timestamp (ms), u64 value start, u64 value length,
 *          u64 key start, i64 key length (-1 = null key)
 *          then zero padding to a multiple of 64
 *          payloads: every value, then every key, each starting at a multiple of 64 (from the frame start)
 * A null value is encoded as length 0. No I/O.
 */
import type { BatchRecord } from './types.js';

export const RAW_MAGIC = 'STRB';
export const RAW_VERSION = 1;
export const HEADER_SIZE = 64;
export const TABLES = 7;
export const FLAG_FIXED_SIZE = 1;
export const FLAG_STRIDED = 2;

const align64 = (n: number): number => Math.ceil(n / 64) * 64;

/**
 * A safe integer (|n| < 2^53) as a little-endian i64/u64 at `o`, in two 32-bit halves: no BigInt per field (a
 * frame has 7 per record).
 */
function writeInt64(view: DataView, n: number, o: number): void {
  const lo = n >>> 0; // n mod 2^32, also for negative n (two's complement)
  view.setUint32(o, lo, true);
  view.setInt32(o + 4, (n - lo) / 2 ** 32, true);
}

export function encodeRawFrame(records: BatchRecord[], nextOffset: number): Buffer {
  const count = records.length;
  const sizes = records.map((r) => r.value?.length ?? 0);
  const fixed = count > 0 && sizes.every((s) => s === sizes[0]) ? sizes[0]! : -1;
  let pos = align64(HEADER_SIZE + TABLES * 8 * count);
  const valueStarts: number[] = [];
  for (const s of sizes) {
    valueStarts.push(pos);
    pos += align64(s);
  }
  const keyStarts: number[] = [];
  for (const r of records) {
    keyStarts.push(pos);
    pos += align64(r.key?.length ?? 0);
  }
  const frame = Buffer.alloc(pos);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.length);
  frame.write(RAW_MAGIC, 0, 'latin1');
  frame.writeUInt16LE(RAW_VERSION, 4);
  frame.writeUInt16LE(HEADER_SIZE, 6);
  frame.writeUInt32LE(count, 8);
  // values are always laid out at stride align64(size), so equal sizes are also strided
  frame.writeUInt32LE(fixed >= 0 ? FLAG_FIXED_SIZE | FLAG_STRIDED : 0, 12);
  writeInt64(view, nextOffset, 16);
  writeInt64(view, pos, 24);
  writeInt64(view, Math.max(fixed, 0), 32);
  const table = (t: number, i: number): number => HEADER_SIZE + (t * count + i) * 8;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    writeInt64(view, r.partition, table(0, i));
    writeInt64(view, r.offset, table(1, i));
    writeInt64(view, Math.trunc(r.timestamp), table(2, i));
    writeInt64(view, valueStarts[i]!, table(3, i));
    writeInt64(view, sizes[i]!, table(4, i));
    writeInt64(view, keyStarts[i]!, table(5, i));
    writeInt64(view, r.key ? r.key.length : -1, table(6, i));
    // TypedArray#set: a plain memcpy, cheaper per call than Buffer#copy for many small values
    if (r.value) frame.set(r.value, valueStarts[i]!);
    if (r.key) frame.set(r.key, keyStarts[i]!);
  }
  return frame;
}

export interface DecodedFrame {
  nextOffset: number;
  records: BatchRecord[];
  fixedSize: number | undefined;
}

/** Decodes a raw frame (tests and Node clients). Values and keys are views into `frame`. */
export function decodeRawFrame(frame: Buffer): DecodedFrame {
  if (frame.toString('latin1', 0, 4) !== RAW_MAGIC || frame.readUInt16LE(4) !== RAW_VERSION) throw new Error('not a Strata raw batch frame v1');
  const count = frame.readUInt32LE(8);
  const flags = frame.readUInt32LE(12);
  const t = (k: number, i: number): number => Number(frame.readBigInt64LE(HEADER_SIZE + (k * count + i) * 8));
  const records: BatchRecord[] = [];
  for (let i = 0; i < count; i++) {
    const vs = t(3, i);
    const ks = t(5, i);
    const kl = t(6, i);
    records.push({ partition: t(0, i), offset: t(1, i), timestamp: t(2, i), value: frame.subarray(vs, vs + t(4, i)), key: kl < 0 ? null : frame.subarray(ks, ks + kl) });
  }
  return { nextOffset: Number(frame.readBigInt64LE(16)), records, fixedSize: flags & FLAG_FIXED_SIZE ? Number(frame.readBigUInt64LE(32)) : undefined };
}
