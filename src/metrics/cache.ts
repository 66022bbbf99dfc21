/**
 * Binds tiered-cache statistics (cache/ TieredCache.stats()) to Prometheus metrics on a registry (default: the
 * process registry). Values are read at scrape time, summed over every bound cache:
 *
 *   strata_cache_hits_total{tier="memory"|"ssd"}        block lookups served by a tier
 *   strata_cache_misses_total                           block lookups no tier held (served by a GET)
 *   strata_cache_bytes{tier="memory"|"ssd"}             bytes held now
 *   strata_cache_evictions_total{tier="memory"|"ssd"}   blocks evicted to stay within budget
 *   strata_cache_get_bytes_total                        bytes fetched from the object store
 *   strata_cache_gets_total                             GETs sent to the object store
 *   strata_cache_ssd_errors_total{op="write"|"read"|"corrupt"}  SSD failures (the cache kept serving)
 *   strata_prefetch_blocks_total{outcome="issued"|"used"|"wasted"|"late"}
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CacheStats } from '../../cache/index.js';
import { metricsRegistry } from './registry.js';

export interface CacheStatsSource {
  stats(): CacheStats;
}

const bound = new WeakMap<Registry, Set<CacheStatsSource>>();

function sum(sources: Set<CacheStatsSource>, pick: (s: CacheStats) => number): number {
  let n = 0;
  for (const src of sources) n += pick(src.stats());
  return n;
}

type Pick = (s: CacheStats) => number;

function define(registry: Registry, sources: Set<CacheStatsSource>): void {
  const counterOf = (name: string, help: string, labelName: string | undefined, picks: Record<string, Pick>): void => {
    new Counter({
      name,
      help,
      labelNames: labelName ? [labelName] : [],
      registers: [registry],
      collect(this: Counter) {
        this.reset();
        for (const [label, pick] of Object.entries(picks)) {
          if (labelName) this.inc({ [labelName]: label }, sum(sources, pick));
          else this.inc(sum(sources, pick));
        }
      },
    });
  };
  counterOf('strata_cache_hits_total', 'Cache block lookups served by a tier', 'tier', { memory: (s) => s.hits.memory, ssd: (s) => s.hits.ssd });
  counterOf('strata_cache_misses_total', 'Cache block lookups that no tier held (served by an object-store GET)', undefined, { '': (s) => s.misses });
  counterOf('strata_cache_evictions_total', 'Cache blocks evicted to stay within a tier budget', 'tier', { memory: (s) => s.evictions.memory, ssd: (s) => s.evictions.ssd });
  counterOf('strata_cache_get_bytes_total', 'Bytes the cache fetched from the object store', undefined, { '': (s) => s.getBytes });
  counterOf('strata_cache_gets_total', 'GET requests the cache sent to the object store', undefined, { '': (s) => s.gets });
  counterOf('strata_cache_ssd_errors_total', 'SSD tier failures survived by the cache (write: disk full or not writable; corrupt: block failed its checksum)', 'op', {
    write: (s) => s.ssd.writeErrors,
    read: (s) => s.ssd.readErrors,
    corrupt: (s) => s.ssd.corrupt,
  });
  counterOf('strata_prefetch_blocks_total', 'Prefetched blocks by outcome (used; wasted = evicted unread; late = requested before it arrived)', 'outcome', {
    issued: (s) => s.prefetch.issued,
    used: (s) => s.prefetch.used,
    wasted: (s) => s.prefetch.wasted,
    late: (s) => s.prefetch.late,
  });
  new Gauge({
    name: 'strata_cache_bytes',
    help: 'Bytes held by a cache tier',
    labelNames: ['tier'],
    registers: [registry],
    collect(this: Gauge) {
      this.set({ tier: 'memory' }, sum(sources, (s) => s.bytes.memory));
      this.set({ tier: 'ssd' }, sum(sources, (s) => s.bytes.ssd));
    },
  });
}

/** Exports the cache's stats on `registry`; returns a function that unbinds it (e.g. on close). */
export function bindCacheMetrics(cache: CacheStatsSource, registry: Registry = metricsRegistry): () => void {
  let sources = bound.get(registry);
  if (!sources) {
    sources = new Set();
    bound.set(registry, sources);
    define(registry, sources);
  }
  sources.add(cache);
  return () => {
    sources.delete(cache);
  };
}
