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
import { copyBytes } from '../../../cache/index.js';
import type { BatchRecord } from './types.js';

export const RAW_MAGIC = 'STRB';
export const RAW_VERSION = 1;
export const HEADER_SIZE = 64;
export const TABLES = 7;
export const FLAG_FIXED_SIZE = 1;
export const FLAG_STRIDED = 2;

const align64 = (n: number): number => Math.ceil(n / 64) * 64;

/** Where an encoder gets the frame's memory: a fresh buffer by default, a FramePool's when it has one. */
export type FrameAlloc = (length: number) => Buffer;

const fresh: FrameAlloc = (length) => Buffer.allocUnsafeSlow(length);

/**
 * Encodes records into one raw frame. The frame is written in one pass over the records through an Int32Array
 * view (a safe integer as a little-endian i64 in two halves: no BigInt, no DataView call per field); every byte
 * that no field or payload covers (header, table and payload padding) is zeroed, so a recycled buffer never
 * leaks an earlier response.
 */
export function encodeRawFrame(records: BatchRecord[], nextOffset: number, alloc: FrameAlloc = fresh): Buffer {
  const count = records.length;
  const tableEnd = align64(HEADER_SIZE + TABLES * 8 * count);
  let valueBytes = 0;
  let keyBytes = 0;
  let fixed = count > 0 ? (records[0]!.value?.length ?? 0) : -1;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    const s = r.value ? r.value.length : 0;
    if (s !== fixed) fixed = -1;
    valueBytes += align64(s);
    if (r.key) keyBytes += align64(r.key.length);
  }
  const length = tableEnd + valueBytes + keyBytes;
  let frame = alloc(length);
  if (frame.byteOffset % 4 !== 0) frame = Buffer.allocUnsafeSlow(length); // an Int32Array needs 4-byte alignment
  const w = new Int32Array(frame.buffer, frame.byteOffset, length >>> 2);
  w.fill(0, 0, tableEnd >>> 2);
  const i64 = (word: number, n: number): void => {
    const lo = n >>> 0; // n mod 2^32, also for negative n (two's complement)
    w[word] = lo;
    w[word + 1] = (n - lo) / 2 ** 32;
  };
  frame.write(RAW_MAGIC, 0, 'latin1');
  frame.writeUInt16LE(RAW_VERSION, 4);
  frame.writeUInt16LE(HEADER_SIZE, 6);
  frame.writeUInt32LE(count, 8);
  // values are always laid out at stride align64(size), so equal sizes are also strided
  frame.writeUInt32LE(fixed >= 0 ? FLAG_FIXED_SIZE | FLAG_STRIDED : 0, 12);
  i64(4, nextOffset);
  i64(6, length);
  i64(8, Math.max(fixed, 0));
  /** Copies a payload to `at` (a multiple of 64), zeroing the padding after it: its slot's last 64 bytes first. */
  const payload = (src: Buffer, at: number): number => {
    const end = (at + align64(src.length)) >>> 2;
    for (let z = end - 16; z < end; z++) w[z] = 0;
    copyBytes(src, frame, at); // src is often a view of a cache block in shared memory
    return end << 2;
  };
  const stride = count * 2; // one table, in 32-bit words
  let vp = tableEnd;
  let kp = tableEnd + valueBytes;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    const v = r.value;
    const k = r.key;
    let t = HEADER_SIZE / 4 + i * 2;
    i64(t, r.partition);
    i64((t += stride), r.offset);
    i64((t += stride), Math.trunc(r.timestamp));
    i64((t += stride), vp);
    i64((t += stride), v ? v.length : 0);
    i64((t += stride), kp);
    i64((t += stride), k ? k.length : -1);
    if (v && v.length > 0) vp = payload(v, vp);
    if (k && k.length > 0) kp = payload(k, kp);
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
