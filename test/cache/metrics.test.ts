/** Cache stats reach Prometheus through src/metrics/cache.ts. */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TieredCache } from '../../cache/index.js';
import { bindCacheMetrics } from '../../src/metrics/cache.js';
import { MemoryStore } from '../../src/store/memory.js';

describe('cache metrics', () => {
  it('exports hits, misses, bytes, evictions, get bytes and prefetch outcomes, summed over caches', async () => {
    const store = new MemoryStore();
    const body = Buffer.alloc(10 * 1024, 7);
    const { etag } = await store.put('k', body);
    const ref = { key: 'k', etag, size: body.length };
    const registry = new Registry();
    const a = new TieredCache(store, { blockSize: 1024, memoryBytes: 4 * 1024 });
    const b = new TieredCache(store, { blockSize: 1024, memoryBytes: 64 * 1024 });
    const unbindA = bindCacheMetrics(a, registry);
    bindCacheMetrics(b, registry);
    await a.read(ref, 0, ref.size); // 10 misses, 6 evictions
    await b.read(ref, 0, 2048);
    await b.read(ref, 0, 1024);
    const text = await registry.metrics();
    expect(text).toContain('strata_cache_misses_total 12');
    expect(text).toContain('strata_cache_hits_total{tier="memory"} 1');
    expect(text).toContain('strata_cache_hits_total{tier="ssd"} 0');
    expect(text).toContain('strata_cache_evictions_total{tier="memory"} 6');
    expect(text).toContain('strata_cache_bytes{tier="memory"} 6144');
    expect(text).toContain(`strata_cache_get_bytes_total ${12 * 1024}`);
    expect(text).toContain('strata_prefetch_blocks_total{outcome="wasted"} 0');
    expect(text).toContain('strata_prefetch_blocks_total{outcome="late"} 0');
    unbindA();
    expect(await registry.metrics()).toContain('strata_cache_misses_total 2');
    await a.close();
    await b.close();
  });
});
