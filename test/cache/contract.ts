/**
 * The cache contract suite: every configuration of the tiered cache (memory only, memory+SSD, over the
 * in-memory store or a real MinIO) must pass it. Usage:
 *
 *   cacheContract('memory+ssd over MemoryStore', async () => ({ store, ssd: true }));
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TieredCache, type ObjectRef, type TieredCacheOptions } from '../../cache/index.js';
import { InstrumentedSource, contentOf, dirBytes } from './support.js';

/** The slice of ObjectStore the suite needs (MemoryStore and S3Store both fit). */
export interface ContractStore {
  get: InstrumentedSource['inner']['get'];
  head: InstrumentedSource['inner']['head'];
  put(key: string, body: Uint8Array): Promise<{ etag: string }>;
}

export interface ContractTarget {
  store: ContractStore;
  /** Give the cache an SSD tier (in a fresh temp dir). */
  ssd: boolean;
}

const KB = 1024;
const BS = 64 * KB;

export function cacheContract(name: string, target: () => Promise<ContractTarget>): void {
  describe(`cache contract: ${name}`, () => {
    const caches: TieredCache[] = [];
    const dirs: string[] = [];
    afterEach(async () => {
      for (const c of caches.splice(0)) await c.close();
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    });

    async function setup(opts: TieredCacheOptions = {}) {
      const t = await target();
      const source = new InstrumentedSource(t.store);
      const dir = mkdtempSync(join(tmpdir(), 'strata-cache-'));
      dirs.push(dir);
      const ssdBytes = opts.ssd?.bytes ?? 64 * BS;
      const make = (o: TieredCacheOptions = opts): TieredCache => {
        const c = new TieredCache(source, { blockSize: BS, memoryBytes: 16 * BS, ...o, ssd: t.ssd ? { ...o.ssd, dir, bytes: o.ssd?.bytes ?? ssdBytes } : undefined });
        caches.push(c);
        return c;
      };
      const prefix = `c${Math.random().toString(36).slice(2, 8)}/`;
      const put = async (key: string, size: number, version = 1): Promise<{ ref: ObjectRef; body: Buffer }> => {
        const body = contentOf(prefix + key, size, version);
        const { etag } = await t.store.put(prefix + key, body);
        return { ref: { key: prefix + key, etag, size }, body };
      };
      return { source, make, put, dir, ssd: t.ssd };
    }

    it('returns the exact bytes of any range, assembled from blocks', async () => {
      const { make, put } = await setup();
      const cache = make();
      const { ref, body } = await put('a', 5 * BS + 123);
      const cases: Array<[number, number]> = [[0, ref.size], [0, 1], [BS - 1, 2], [BS, BS], [3 * BS + 7, 2 * BS], [ref.size - 10, 10], [ref.size - 5, 100], [ref.size, 0], [17, 0]];
      for (let i = 0; i < 20; i++) {
        const off = Math.floor(Math.random() * ref.size);
        cases.push([off, Math.floor(Math.random() * (ref.size - off + 1))]);
      }
      for (const [off, len] of cases) expect((await cache.read(ref, off, len)).equals(body.subarray(off, off + len))).toBe(true);
      await expect(cache.read(ref, ref.size + 1, 1)).rejects.toMatchObject({ code: 'STRATA_ERR_INVALID_RANGE' });
      await expect(cache.read(ref, -1, 1)).rejects.toMatchObject({ code: 'STRATA_ERR_INVALID_RANGE' });
    });

    it('serves a second read from memory without a GET and counts hits and misses', async () => {
      const { make, put, source } = await setup();
      const cache = make();
      const { ref } = await put('b', 3 * BS);
      await cache.read(ref, 0, ref.size);
      expect(source.gets).toBe(3);
      await cache.read(ref, 10, 2 * BS);
      expect(source.gets).toBe(3);
      const s = cache.stats();
      expect(s.misses).toBe(3);
      expect(s.hits.memory).toBe(3);
      expect(s.getBytes).toBe(3 * BS);
      expect(s.bytes.memory).toBe(3 * BS);
    });

    it('single-flight: 20 concurrent misses of one block make one GET', async () => {
      const { make, put, source } = await setup();
      const cache = make();
      const { ref, body } = await put('sf', 2 * BS);
      source.delayMs = 30;
      const reads = await Promise.all(Array.from({ length: 20 }, () => cache.read(ref, 5, 100)));
      expect(source.gets).toBe(1);
      for (const r of reads) expect(r.equals(body.subarray(5, 105))).toBe(true);
    });

    it('a changed etag never serves stale data: new version re-fetched, old version fails instead of mixing', async () => {
      const { make, put } = await setup();
      const cache = make();
      const v1 = await put('e', 2 * BS, 1);
      expect((await cache.read(v1.ref, 0, BS)).equals(v1.body.subarray(0, BS))).toBe(true); // block 0 of v1 cached
      const v2 = await put('e', 2 * BS, 2);
      expect(v2.ref.etag).not.toBe(v1.ref.etag);
      expect((await cache.read(v2.ref, 0, 2 * BS)).equals(v2.body)).toBe(true);
      // Block 1 of v1 is not cached: the GET carries ifMatch and fails rather than returning v2 bytes.
      await expect(cache.read(v1.ref, BS, 10)).rejects.toMatchObject({ code: 'STRATA_ERR_PRECONDITION_FAILED' });
    });

    it('cancellation: a reader that goes away aborts a GET nobody else waits for', async () => {
      const { make, put, source } = await setup();
      const cache = make();
      const { ref, body } = await put('x', 2 * BS);
      source.delayMs = 300;
      const ac = new AbortController();
      const p = cache.read(ref, 0, 10, { signal: ac.signal });
      setTimeout(() => ac.abort(), 20);
      await expect(p).rejects.toMatchObject({ name: 'AbortError', code: 'STRATA_ERR_ABORTED' });
      await new Promise((r) => setTimeout(r, 20));
      expect(source.aborted).toBe(1);
      expect(cache.stats().inflight.blocks).toBe(0);
      // Two readers: one leaves, the other still gets the data from the same GET.
      source.reset();
      source.delayMs = 100;
      const ac2 = new AbortController();
      const leaving = cache.read(ref, BS, 10, { signal: ac2.signal });
      const staying = cache.read(ref, BS, 10);
      setTimeout(() => ac2.abort(), 10);
      await expect(leaving).rejects.toMatchObject({ name: 'AbortError' });
      expect((await staying).equals(body.subarray(BS, BS + 10))).toBe(true);
      expect(source.gets).toBe(1);
      expect(source.aborted).toBe(0);
    });

    it('write-through: put() data is served without a GET; invalidate() drops it', async () => {
      const { make, put, source } = await setup();
      const cache = make();
      const { ref, body } = await put('w', 3 * BS + 5);
      cache.put(ref, body);
      expect((await cache.read(ref, 0, ref.size)).equals(body)).toBe(true);
      expect(source.gets).toBe(0);
      cache.invalidate(ref.key);
      await cache.read(ref, 0, 1);
      expect(source.gets).toBe(1);
    });

    it('budgets hold under concurrent load', async () => {
      const { make, put, dir, ssd, source } = await setup();
      source.delayMs = 2; // a store slower than the local disk, as in life
      const memoryBytes = 6 * BS;
      const prefetchBytes = 2 * BS;
      const cache = make({ memoryBytes, prefetch: { bytes: prefetchBytes }, ssd: { dir: '', bytes: 10 * BS, maxPendingWrites: 64, admission: 'always' } });
      const objs = await Promise.all(Array.from({ length: 6 }, (_, i) => put(`load${i}`, 8 * BS + 100 * i)));
      const readers = 8;
      let maxMem = 0;
      let maxInflight = 0;
      let maxSsd = 0;
      await Promise.all(
        Array.from({ length: readers }, async (_, r) => {
          for (let i = 0; i < 25; i++) {
            const o = objs[(r + i) % objs.length]!;
            const off = Math.floor(Math.random() * (o.ref.size - 1));
            const len = Math.min(BS, o.ref.size - off); // ≤ 2 blocks per read
            const got = await cache.read(o.ref, off, len, { stream: `r${r}` });
            expect(got.equals(o.body.subarray(off, off + len))).toBe(true);
            const s = cache.stats();
            maxMem = Math.max(maxMem, s.bytes.memory);
            maxInflight = Math.max(maxInflight, s.inflight.bytes);
            maxSsd = Math.max(maxSsd, s.bytes.ssd);
          }
        }),
      );
      await cache.flush();
      expect(maxMem).toBeLessThanOrEqual(memoryBytes);
      expect(maxInflight).toBeLessThanOrEqual(readers * 2 * BS + prefetchBytes);
      if (ssd) {
        expect(maxSsd).toBeLessThanOrEqual(10 * BS);
        expect(dirBytes(dir)).toBeLessThanOrEqual(10 * BS);
        expect(cache.stats().evictions.ssd, JSON.stringify(cache.stats())).toBeGreaterThan(0);
      }
      expect(cache.stats().evictions.memory).toBeGreaterThan(0);
    });

    it('prefetches a sequential stream ahead of the reader and counts used blocks', async () => {
      const { make, put, source } = await setup();
      const cache = make({ memoryBytes: 64 * BS, prefetch: { initialWindow: 2, maxWindow: 8 } });
      const { ref, body } = await put('seq', 40 * BS);
      for (let i = 0; i < 40; i++) {
        expect((await cache.read(ref, i * BS, BS, { stream: 's' })).equals(body.subarray(i * BS, (i + 1) * BS))).toBe(true);
        await new Promise((r) => setTimeout(r, 2));
      }
      const s = cache.stats();
      expect(source.gets).toBe(40); // every block fetched exactly once
      expect(s.prefetch.issued).toBeGreaterThanOrEqual(30);
      expect(s.prefetch.used + s.prefetch.late).toBeGreaterThanOrEqual(30);
      expect(s.prefetch.wasted).toBe(0);
      expect(cache.prefetchWindow('s')).toBeGreaterThan(2);
      cache.closeStream('s');
      expect(cache.prefetchWindow('s')).toBeUndefined();
    });

    it('explicit hints prefetch exactly the hinted ranges', async () => {
      const { make, put, source } = await setup();
      const cache = make({ memoryBytes: 64 * BS, prefetch: { initialWindow: 4, maxWindow: 4 } });
      const a = await put('ha', 4 * BS);
      const b = await put('hb', 4 * BS);
      const order = [{ obj: b.ref, offset: 2 * BS, length: 10 }, { obj: a.ref, offset: 0, length: 10 }, { obj: b.ref, offset: 0, length: BS + 1 }];
      cache.hint('h', order);
      for (let i = 0; i < 200 && cache.stats().inflight.blocks + cache.stats().blocks.memory < 4; i++) await new Promise((r) => setTimeout(r, 10));
      while (cache.stats().inflight.blocks > 0) await new Promise((r) => setTimeout(r, 10));
      expect(source.gets).toBe(4); // b#2, a#0, b#0, b#1
      for (const o of order) await cache.read(o.obj, o.offset, o.length, { stream: 'h' });
      expect(source.gets).toBe(4);
      expect(cache.stats().prefetch.used).toBe(4);
    });
  });
}
