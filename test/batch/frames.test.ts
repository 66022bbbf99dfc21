import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { encodeArrow } from '../../src/broker/batch/arrow.js';
import { FramePool } from '../../src/broker/batch/frame-pool.js';
import { decodeRawFrame, encodeRawFrame } from '../../src/broker/batch/raw-frame.js';
import type { BatchRecord } from '../../src/broker/batch/types.js';

const rec = (offset: number, value: string | null, key: string | null = null): BatchRecord => ({
  partition: 0,
  offset,
  timestamp: 1_700_000_000_000 + offset,
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : Buffer.from(value),
});

describe('raw frame', () => {
  it('round-trips records with 64-byte aligned payloads', () => {
    const records = [rec(10, 'hello', 'k'), rec(11, 'x'.repeat(100)), rec(12, '')];
    const frame = encodeRawFrame(records, 13);
    expect(frame.toString('latin1', 0, 4)).toBe('STRB');
    expect(frame.length % 64).toBe(0);
    const d = decodeRawFrame(frame);
    expect(d.nextOffset).toBe(13);
    expect(d.fixedSize).toBeUndefined();
    expect(d.records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString()])).toEqual([
      [10, 1_700_000_000_010, 'k', 'hello'],
      [11, 1_700_000_000_011, null, 'x'.repeat(100)],
      [12, 1_700_000_000_012, null, ''],
    ]);
    for (const r of d.records) expect(r.value!.byteOffset % 64).toBe(0);
  });
  it('writes every table entry as the i64 BigInt would: offsets past 2^32, partitions, timestamps, null keys (-1)', () => {
    const big = 2 ** 40 + 12_345;
    const records: BatchRecord[] = [
      { partition: 7, offset: big, timestamp: 2 ** 41 + 3, key: null, value: Buffer.from('v') },
      { partition: 0, offset: 2 ** 53 - 1, timestamp: 0, key: Buffer.from('kk'), value: null },
    ];
    const frame = encodeRawFrame(records, -1);
    const at = (t: number, i: number): bigint => frame.readBigInt64LE(64 + (t * records.length + i) * 8);
    expect([at(0, 0), at(1, 0), at(2, 0), at(6, 0)]).toEqual([7n, BigInt(big), BigInt(2 ** 41 + 3), -1n]);
    expect([at(0, 1), at(1, 1), at(4, 1), at(6, 1)]).toEqual([0n, BigInt(2 ** 53 - 1), 0n, 2n]);
    expect(frame.readBigInt64LE(16)).toBe(-1n);
    const d = decodeRawFrame(frame);
    expect(d.records.map((r) => r.offset)).toEqual([big, 2 ** 53 - 1]);
  });
  it('marks equal sizes as fixed and strided', () => {
    const d = decodeRawFrame(encodeRawFrame([rec(0, 'abc'), rec(1, 'def')], 2));
    expect(d.fixedSize).toBe(3);
    expect(d.records[1]!.value!.byteOffset - d.records[0]!.value!.byteOffset).toBe(64);
  });
  it('a recycled buffer full of old bytes gives the same frame as a fresh one (every padding byte zeroed)', () => {
    const records = [rec(1, 'a'.repeat(65), 'key'), rec(2, 'b'.repeat(3)), rec(3, null), rec(4, '', ''), rec(5, 'c'.repeat(128), 'k'.repeat(70))];
    const pool = new FramePool(2);
    const dirty = pool.take(2 * 1024 * 1024);
    dirty.fill(0xee);
    pool.give(dirty);
    const frame = encodeRawFrame(records, 6, pool.take);
    expect(frame.buffer).toBe(dirty.buffer); // the recycled memory was used
    expect(frame.equals(encodeRawFrame(records, 6))).toBe(true);
    expect(frame.includes(0xee)).toBe(false);
    expect(pool.stats()).toMatchObject({ taken: 2, reused: 1 });
  });
  it('the pool hands out a buffer once until it is given back, and never pools a huge frame', () => {
    const pool = new FramePool(4, 4 * 1024 * 1024);
    const a = pool.take(1000);
    const b = pool.take(1000);
    expect(a.buffer).not.toBe(b.buffer);
    pool.give(a);
    expect(pool.take(5000).buffer).toBe(a.buffer);
    expect(pool.take(5000).buffer).not.toBe(a.buffer);
    const huge = pool.take(8 * 1024 * 1024);
    pool.give(huge);
    expect(pool.stats().free).toBe(0);
  });
  it('encodes an empty batch', () => {
    const d = decodeRawFrame(encodeRawFrame([], 5));
    expect(d.records).toEqual([]);
    expect(d.nextOffset).toBe(5);
  });
});

describe('arrow IPC stream', () => {
  it('variable-size values: binary column', () => {
    const t = tableFromIPC(encodeArrow([rec(1, 'a', 'k1'), rec(2, 'bcd')], 3));
    expect(t.schema.fields.map((f) => f.name)).toEqual(['partition', 'offset', 'timestamp', 'key', 'value']);
    expect(t.schema.metadata.get('strata.value_layout')).toBe('variable');
    expect(t.numRows).toBe(2);
    expect(Buffer.from(t.getChild('value')!.get(1) as Uint8Array).toString()).toBe('bcd');
    expect(t.getChild('key')!.get(1)).toBeNull();
    expect(t.getChild('offset')!.get(0)).toBe(1n);
  });
  it('equal-size values: fixed-shape tensor column', () => {
    const t = tableFromIPC(encodeArrow([rec(1, 'abcd'), rec(2, 'efgh')], 3));
    const f = t.schema.fields.find((x) => x.name === 'value')!;
    expect(f.metadata.get('ARROW:extension:name')).toBe('arrow.fixed_shape_tensor');
    expect(JSON.parse(f.metadata.get('ARROW:extension:metadata')!)).toEqual({ shape: [4] });
    expect(t.schema.metadata.get('strata.value_layout')).toBe('fixed');
    expect(Buffer.from(t.getChild('value')!.get(1)!.toArray() as Uint8Array).toString()).toBe('efgh');
  });
});
