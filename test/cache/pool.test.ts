/**
 * Recycled block buffers (cache/block-pool.ts): a lease's views stay intact until release, views from
 * read()/readParts() are never reused, SSD writes and concurrent waiters hold their buffer, and a scan with
 * leases allocates (almost) nothing in the steady state. The source is the real FsStore, which reads into the
 * recycled buffer it is offered.
 */
import { describe, expect, it } from 'vitest';
import { TieredCache, type ObjectRef, type TieredCacheOptions } from '../../cache/index.js';
import { FsStore } from '../../src/store/fs.js';
import { InstrumentedSource, contentOf, perTest } from './support.js';

const BS = 4096;
const { tempDir, track } = perTest('strata-pool-');

async function setup(blocks: number, options: TieredCacheOptions = {}) {
  const store = new FsStore({ dir: tempDir() });
  const body = contentOf('big', blocks * BS);
  const { etag } = await store.put('big', body);
  const ref: ObjectRef = { key: 'big', etag, size: body.length };
  const source = new InstrumentedSource(store);
  const make = (o: TieredCacheOptions = options): TieredCache => {
    return track(new TieredCache(source, { blockSize: BS, memoryBytes: 4 * BS, prefetch: { enabled: false }, ...o }));
  };
  /** The expected bytes of block i. */
  const block = (i: number): Buffer => body.subarray(i * BS, (i + 1) * BS);
  return { store, body, ref, source, make, block };
}

/** Reads blocks [from, to) one at a time with leases released at once: pushes everything else out of memory. */
async function churn(cache: TieredCache, ref: ObjectRef, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) (await cache.readLease(ref, i * BS, BS)).release();
}

describe('recycled block buffers', () => {
  it('a steady scan with leases reuses buffers instead of allocating', async () => {
    const { ref, make, block } = await setup(40);
    const cache = make();
    for (let i = 0; i < 40; i++) {
      const lease = await cache.readLease(ref, i * BS, BS);
      expect(Buffer.concat(lease.parts).equals(block(i))).toBe(true);
      lease.release();
    }
    const s = cache.stats().buffers;
    expect(s.reused).toBeGreaterThanOrEqual(30);
    expect(s.allocated).toBeLessThanOrEqual(8);
  });

  it("a lease's views stay intact while their blocks are evicted and their memory is wanted, until release", async () => {
    const { ref, make, block } = await setup(30);
    const cache = make();
    const held = await cache.readLease(ref, 0, 2 * BS); // blocks 0 and 1, two parts
    await churn(cache, ref, 2, 30); // blocks 0 and 1 are evicted long before the end
    expect(cache.stats().buffers.reused).toBeGreaterThan(10);
    expect(held.parts).toHaveLength(2);
    expect(held.parts[0]!.equals(block(0))).toBe(true);
    expect(held.parts[1]!.equals(block(1))).toBe(true);
    held.release();
    held.release(); // idempotent: a second release does not unpin anybody else's pin
    const again = await cache.readLease(ref, 5 * BS, BS);
    await churn(cache, ref, 10, 30);
    expect(again.parts[0]!.equals(block(5))).toBe(true);
    again.release();
  });

  it('readLeaseMany: each block fetched and pinned once for many ranges; views intact until release', async () => {
    const { ref, make, body, source } = await setup(30);
    const cache = make();
    // 40 small ranges over blocks 0-2, one straddling blocks 1 and 2, plus an empty one and one cut at the end
    const ranges = Array.from({ length: 40 }, (_, i) => ({ obj: ref, offset: (i * 293) % (3 * BS - 200), length: 100 + (i % 7) }));
    ranges.push({ obj: ref, offset: 2 * BS - 50, length: 100 }, { obj: ref, offset: 9, length: 0 }, { obj: ref, offset: ref.size - 10, length: 50 });
    const lease = await cache.readLeaseMany(ranges, { stream: 's' });
    expect(source.gets).toBe(4); // blocks 0, 1, 2 and the last one
    expect(lease.parts[40]).toHaveLength(2);
    expect(lease.parts[41]).toEqual([]);
    const expected = ranges.map((r) => body.subarray(r.offset, Math.min(r.offset + r.length, ref.size)));
    await churn(cache, ref, 3, 29); // blocks 0-2 are evicted and their memory is wanted
    expect(cache.stats().buffers.reused).toBeGreaterThan(5);
    lease.parts.forEach((parts, i) => expect(Buffer.concat(parts).equals(expected[i]!)).toBe(true));
    lease.release();
    lease.release();
    await churn(cache, ref, 0, 29);
    const again = await cache.readLeaseMany([{ obj: ref, offset: 5, length: 10 }]);
    expect(again.parts[0]![0]!.equals(body.subarray(5, 15))).toBe(true);
    again.release();
    await expect(cache.readLeaseMany([{ obj: ref, offset: ref.size + 1, length: 1 }])).rejects.toMatchObject({ code: 'STRATA_ERR_INVALID_RANGE' });
  });

  it('views from read() and readParts() are never reused', async () => {
    const { ref, make, block } = await setup(30);
    const cache = make();
    const a = await cache.read(ref, 3 * BS, BS); // one block: a view of the cached block
    const [b] = await cache.readParts(ref, 4 * BS, BS);
    await churn(cache, ref, 5, 30);
    expect(cache.stats().buffers.reused).toBeGreaterThan(10);
    expect(a.equals(block(3))).toBe(true);
    expect(b!.equals(block(4))).toBe(true);
  });

  it('every waiter of one fetch keeps its own pin (one releasing early does not free the others)', async () => {
    const { ref, make, block, source } = await setup(30);
    source.delayMs = 20; // both readers join the same fetch
    const cache = make();
    const [x, y] = await Promise.all([cache.readLease(ref, 7 * BS, BS), cache.readLease(ref, 7 * BS, BS)]);
    expect(source.gets).toBe(1);
    x.release();
    source.delayMs = 0;
    await churn(cache, ref, 10, 30);
    expect(y.parts[0]!.equals(block(7))).toBe(true);
    y.release();
  });

  it('an SSD write keeps its buffer until the file is written: a restarted cache serves the right bytes', async () => {
    const { ref, make, body, store } = await setup(24);
    const ssd = tempDir();
    // a source that fills the offered buffer within microtasks: the next fetch would overwrite a recycled
    // buffer long before the queued SSD write (next event-loop turn) reads it
    const bodies = new Map<number, Buffer>();
    for (let i = 0; i < 24; i++) bodies.set(i * BS, (await store.get('big', { range: { offset: i * BS, length: BS } })).body);
    const fast = {
      get: async (_k: string, o: { range?: { offset: number; length?: number }; into?: Buffer }) => {
        const src = bodies.get(o.range!.offset)!;
        const body = o.into ? o.into.subarray(0, src.copy(o.into)) : Buffer.from(src);
        return { body, etag: ref.etag, size: ref.size };
      },
      head: async () => ({ size: ref.size, etag: ref.etag }),
    };
    const a = track(new TieredCache(fast, { blockSize: BS, memoryBytes: BS, prefetch: { enabled: false }, ssd: { dir: ssd, bytes: 64 * BS, admission: 'always' } }));
    // memory holds one block: each one is evicted while its SSD write is queued or running, and the next
    // fetch wants a buffer at once
    for (let i = 0; i < 24; i++) {
      (await a.readLease(ref, i * BS, BS)).release();
      await new Promise((r) => setImmediate(r));
    }
    await a.flush();
    const b = make({ memoryBytes: 64 * BS, ssd: { dir: ssd, bytes: 64 * BS, admission: 'always' } });
    await b.ready();
    const gets = b.stats().gets;
    expect((await b.read(ref, 0, ref.size)).equals(body)).toBe(true);
    expect(b.stats().gets - gets).toBe(24 - b.stats().hits.ssd); // whatever SSD held, it held correctly
    expect(b.stats().hits.ssd).toBeGreaterThan(0);
    expect(b.stats().ssd.corrupt).toBe(0);
  });

  it('a failed or aborted lease leaves no pin behind: its blocks are reused afterwards', async () => {
    const { ref, make, source } = await setup(30);
    source.delayMs = 30;
    const cache = make();
    const ac = new AbortController();
    const p = cache.readLease(ref, 0, 3 * BS, { signal: ac.signal });
    setTimeout(() => ac.abort(), 5);
    await expect(p).rejects.toMatchObject({ code: 'STRATA_ERR_ABORTED' });
    source.delayMs = 0;
    await churn(cache, ref, 0, 30);
    const before = cache.stats().buffers.allocated;
    await churn(cache, ref, 0, 30);
    expect(cache.stats().buffers.allocated).toBe(before); // the second pass allocates nothing
  });

  it('a source that ignores the offered buffer still works (MemoryStore-like sources)', async () => {
    const { ref, make, block, source } = await setup(12);
    const ignoring = { get: (k: string, o: Parameters<typeof source.get>[1]) => source.get(k, { ...o, into: undefined }), head: (k: string) => source.head(k) };
    const cache = track(new TieredCache(ignoring, { blockSize: BS, memoryBytes: 4 * BS, prefetch: { enabled: false } }));
    for (let i = 0; i < 12; i++) {
      const l = await cache.readLease(ref, i * BS, BS);
      expect(l.parts[0]!.equals(block(i))).toBe(true);
      l.release();
    }
    expect(cache.stats().buffers.reused + cache.stats().buffers.allocated).toBe(0);
  });

  it('put(…, { owned: true }) keeps the caller\'s buffer as the blocks (no copy, no pooled buffer); a plain put copies', async () => {
    const { ref, make, body, source } = await setup(3);
    const cache = make();
    const mine = Buffer.from(body); // handed over
    cache.put(ref, mine, { owned: true });
    const parts = await cache.readParts(ref, 0, ref.size);
    expect(Buffer.concat(parts).equals(body)).toBe(true);
    for (const p of parts) expect(p.buffer).toBe(mine.buffer);
    expect(source.gets).toBe(0);
    expect(cache.stats().buffers.allocated).toBe(0);
    const copied = make();
    const theirs = Buffer.from(body);
    copied.put(ref, theirs);
    const cparts = await copied.readParts(ref, 0, ref.size);
    expect(Buffer.concat(cparts).equals(body)).toBe(true);
    for (const p of cparts) expect(p.buffer).not.toBe(theirs.buffer);
  });
});
