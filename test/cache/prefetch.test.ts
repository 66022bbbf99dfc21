/** Prefetcher behaviour: strided and random patterns, wasted blocks shrink the window, closeStream aborts. */
import { afterEach, describe, expect, it } from 'vitest';
import { TieredCache, type ObjectRef } from '../../cache/index.js';
import { MemoryStore } from '../../src/store/memory.js';
import { InstrumentedSource, contentOf } from './support.js';

const BS = 16 * 1024;
const caches: TieredCache[] = [];
afterEach(async () => {
  for (const c of caches.splice(0)) await c.close();
});

async function fixture(blocks: number, opts: ConstructorParameters<typeof TieredCache>[1] = {}) {
  const store = new MemoryStore();
  const body = contentOf('p', blocks * BS);
  const { etag } = await store.put('p', body);
  const ref: ObjectRef = { key: 'p', etag, size: body.length };
  const source = new InstrumentedSource(store);
  const cache = new TieredCache(source, { blockSize: BS, memoryBytes: 256 * BS, ...opts });
  caches.push(cache);
  return { ref, body, source, cache };
}

const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

describe('prefetcher', () => {
  it('strided access (every 4th block) is detected and prefetched, without fetching the skipped blocks', async () => {
    const { ref, body, source, cache } = await fixture(200);
    for (let i = 0; i < 200; i += 4) {
      expect((await cache.read(ref, i * BS, 100, { stream: 's' })).equals(body.subarray(i * BS, i * BS + 100))).toBe(true);
      await tick();
    }
    const s = cache.stats();
    expect(source.gets).toBe(50); // exactly the strided blocks
    expect(s.prefetch.used + s.prefetch.late).toBeGreaterThanOrEqual(45);
    expect(s.hits.memory).toBeGreaterThanOrEqual(40);
  });

  it('hints: every hinted block is fetched ahead as far as the byte budget allows, the rest as reads free it', async () => {
    const { ref, body, source, cache } = await fixture(100, { prefetch: { initialWindow: 2, maxWindow: 4, bytes: 20 * BS } });
    const order = Array.from({ length: 60 }, (_, i) => (i * 37) % 100); // 60 distinct blocks, shuffled
    cache.hint('h', order.map((b) => ({ obj: ref, offset: b * BS + 7, length: 100 })));
    await tick(20);
    expect(source.gets).toBe(20); // the budget, not the window (4), bounds it
    for (const b of order) {
      expect((await cache.read(ref, b * BS + 7, 100, { stream: 'h' })).equals(body.subarray(b * BS + 7, b * BS + 107))).toBe(true);
      await tick();
    }
    const s = cache.stats();
    expect(source.gets).toBe(60); // no block twice, none that was not hinted
    expect(s.prefetch.issued).toBe(60);
    expect(s.prefetch.used + s.prefetch.late).toBe(60);
    expect(s.prefetch.wasted).toBe(0);
  });

  it('hints: once a prefetched block is evicted unread, the stream falls back to the adaptive window', async () => {
    const { ref, source, cache } = await fixture(200, { memoryBytes: 8 * BS, prefetch: { initialWindow: 2, maxWindow: 4, bytes: 4 * BS } });
    cache.hint('h', Array.from({ length: 100 }, (_, i) => ({ obj: ref, offset: (100 + i) * BS, length: 10 })));
    await tick(20);
    expect(source.gets).toBe(4); // the budget
    // another reader pushes the 4 prefetched blocks out before 'h' reads them
    for (let i = 0; i < 12; i++) await cache.read(ref, i * BS, 10);
    expect(cache.stats().prefetch.wasted).toBe(4);
    const before = cache.stats().prefetch.issued;
    await cache.read(ref, 100 * BS, 10, { stream: 'h' }); // the reader starts: its next `window` (1) block only
    await tick(20);
    expect(cache.stats().prefetch.issued - before).toBeLessThanOrEqual(1);
  });

  it('keeps state for at most 4096 streams: the oldest is dropped', async () => {
    const { ref, cache } = await fixture(10, { prefetch: { enabled: true } });
    for (let i = 0; i < 5000; i++) cache.hint(`epoch-${i}`, [{ obj: ref, offset: (i % 10) * BS, length: 1 }]);
    expect(cache.prefetchWindow('epoch-0')).toBeUndefined();
    expect(cache.prefetchWindow('epoch-903')).toBeUndefined();
    expect(cache.prefetchWindow('epoch-904')).toBeDefined();
    expect(cache.prefetchWindow('epoch-4999')).toBeDefined();
  });

  it('random access wastes little', async () => {
    const { ref, cache, source } = await fixture(2000, { memoryBytes: 64 * BS });
    let seed = 42;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 500; i++) {
      await cache.read(ref, Math.floor(rnd() * 2000) * BS, 10, { stream: 'r' });
      await tick(0);
    }
    const s = cache.stats();
    expect(s.prefetch.issued).toBeLessThanOrEqual(25); // ≤ 5% of the blocks read
    expect(source.gets).toBeLessThanOrEqual(525);
  });

  it('blocks evicted unread count as wasted and shrink the window', async () => {
    // Prefetch budget larger than memory: prefetched blocks get evicted before the reader comes.
    const { ref, cache } = await fixture(100, { memoryBytes: 4 * BS, prefetch: { bytes: 64 * BS, initialWindow: 8, maxWindow: 8 } });
    await cache.read(ref, 0, 10, { stream: 's' });
    await cache.read(ref, BS, 10, { stream: 's' });
    await tick(20);
    const s = cache.stats();
    expect(s.prefetch.issued).toBe(8);
    expect(s.prefetch.wasted).toBeGreaterThan(0);
    expect(cache.prefetchWindow('s')).toBeLessThan(8);
  });

  it('the prefetch budget caps bytes in flight plus unread', async () => {
    const { ref, cache, source } = await fixture(100, { prefetch: { bytes: 3 * BS, initialWindow: 16, maxWindow: 16 } });
    source.delayMs = 20;
    await cache.read(ref, 0, 10, { stream: 's' });
    void cache.read(ref, BS, 10, { stream: 's' });
    await tick(1);
    expect(cache.stats().prefetch.issued).toBe(3);
    expect(cache.stats().inflight.bytes).toBeLessThanOrEqual(4 * BS);
    await tick(40);
  });

  it('closeStream aborts prefetch GETs nobody waits for', async () => {
    const { ref, cache, source } = await fixture(100, { prefetch: { initialWindow: 4 } });
    await cache.read(ref, 0, 10, { stream: 's' });
    source.delayMs = 200;
    void cache.read(ref, BS, 10, { stream: 's' }).catch(() => {});
    await tick(5);
    expect(cache.stats().prefetch.issued).toBe(4);
    cache.closeStream('s');
    await tick(10);
    expect(source.aborted).toBe(4);
    expect(cache.stats().inflight.blocks).toBe(1); // the reader's own block still comes
  });

  it('late: a reader asking for a block still in flight counts as late and doubles the window', async () => {
    const { ref, cache, source } = await fixture(100, { prefetch: { initialWindow: 2, maxWindow: 32 } });
    source.delayMs = 20;
    await cache.read(ref, 0, 10, { stream: 's' });
    const r1 = cache.read(ref, BS, 10, { stream: 's' }); // sequential now: blocks 2 and 3 are prefetched at once
    expect(cache.stats().prefetch.issued).toBe(2);
    const r2 = cache.read(ref, 2 * BS, 10, { stream: 's' }); // block 2 is still in flight
    await Promise.all([r1, r2]);
    expect(cache.stats().prefetch.late).toBe(1);
    const offsets = source.ranges.map((r) => r.offset);
    expect(new Set(offsets).size).toBe(offsets.length); // the late reader joined the prefetch GET: no block twice
    expect(cache.prefetchWindow('s')).toBeGreaterThanOrEqual(4);
  });

  it('prefetch can be switched off', async () => {
    const { ref, cache, source } = await fixture(20, { prefetch: { enabled: false } });
    for (let i = 0; i < 10; i++) await cache.read(ref, i * BS, 10, { stream: 's' });
    cache.hint('s', [{ obj: ref, offset: 15 * BS, length: 10 }]);
    await tick(5);
    expect(source.gets).toBe(10);
    expect(cache.stats().prefetch.issued).toBe(0);
  });
});
