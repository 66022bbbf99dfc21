/** splitBatches: batches out of consecutive pieces (cache block views), zero copy unless a batch straddles. */
import { describe, expect, it } from 'vitest';
import { splitBatches } from '../../src/log/batch-parts.js';
import { encodeBatch, iterateBatches, setBaseOffset } from '../../src/log/record-batch.js';

async function batches(n: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const b = await encodeBatch([{ value: Buffer.from(`value-${i}-`.padEnd(40 + 37 * i, 'x')) }], { now: 1_700_000_000_000 });
    setBaseOffset(b, i);
    out.push(b);
  }
  return out;
}

/** Cuts `buf` at the given positions into views (pieces may be empty). */
function cut(buf: Buffer, at: number[]): Buffer[] {
  const points = [0, ...at, buf.length];
  return points.slice(1).map((end, k) => buf.subarray(points[k]!, end));
}

describe('splitBatches', () => {
  it('yields the same batches as iterateBatches for every cut of the range into two and three pieces', async () => {
    const bs = await batches(3);
    const all = Buffer.concat(bs);
    const expected = [...iterateBatches(all)].map(({ pos, header }) => all.subarray(pos, pos + header.size));
    for (let a = 0; a <= all.length; a += 7) {
      for (const b of [a, Math.min(all.length, a + 13), Math.min(all.length, a + 61), all.length]) {
        const got = [...splitBatches(cut(all, [a, b]))];
        expect(got.map((g) => g.buf)).toEqual(expected);
        expect(got.map((g) => g.header.baseOffset)).toEqual([0, 1, 2]);
        expect(got.map((g) => g.header.size)).toEqual(bs.map((x) => x.length));
      }
    }
  });

  it('a batch inside one piece is a view of that piece (no copy); a straddling one is a copy', async () => {
    const bs = await batches(3);
    const all = Buffer.concat(bs);
    const split = bs[0]!.length + bs[1]!.length + 10; // inside the third batch
    const parts = cut(all, [split]);
    const got = [...splitBatches(parts)];
    const before = [...got.map((g) => Buffer.from(g.buf))];
    for (const g of got) expect(g.buf).toEqual(before[got.indexOf(g)]);
    // Writing into the pieces shows through the views, never through the copy.
    all[bs[0]!.length - 1] ^= 0xff;
    all[split + 5] ^= 0xff;
    expect(got[0]!.buf[bs[0]!.length - 1]).toBe(all[bs[0]!.length - 1]);
    expect(got[0]!.buf.equals(before[0]!)).toBe(false);
    expect(got[1]!.buf.equals(before[1]!)).toBe(true);
    expect(got[2]!.buf.equals(before[2]!)).toBe(true);
    all[split + 5] ^= 0xff;
    expect(got[2]!.buf).toEqual(bs[2]);
  });

  it('handles no pieces, empty pieces and a header cut inside its length field', async () => {
    expect([...splitBatches([])]).toEqual([]);
    expect([...splitBatches([Buffer.alloc(0), Buffer.alloc(0)])]).toEqual([]);
    const [b] = await batches(1);
    const got = [...splitBatches([b!.subarray(0, 9), Buffer.alloc(0), b!.subarray(9, 10), b!.subarray(10)])];
    expect(got).toHaveLength(1);
    expect(got[0]!.buf).toEqual(b);
  });

  it('rejects trailing bytes and bad lengths like iterateBatches does', async () => {
    const [a, b] = await batches(2);
    const trailing = [a!, b!.subarray(0, 30)];
    expect(() => [...splitBatches(trailing)]).toThrowError(expect.objectContaining({ code: 'STRATA_ERR_CORRUPT_RECORD_BATCH' }));
    const long = Buffer.from(b!);
    long.writeInt32BE(long.length * 4, 8); // batchLength past the end
    expect(() => [...splitBatches([a!, long.subarray(0, 20), long.subarray(20)])]).toThrowError(/does not match/);
    const short = Buffer.from(b!);
    short.writeInt32BE(3, 8); // batchLength below the header size
    expect(() => [...splitBatches([a!, short])]).toThrowError(expect.objectContaining({ code: 'STRATA_ERR_CORRUPT_RECORD_BATCH' }));
    const magic = Buffer.from(b!);
    magic[16] = 1;
    expect(() => [...splitBatches([a!.subarray(0, 5), a!.subarray(5), magic])]).toThrowError(/magic/);
  });
});
