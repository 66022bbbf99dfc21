/**
 * A catch-up read through the tiered cache gets its batches out of the cached blocks without assembling the
 * range (TieredCache.readParts + splitBatches): blocks far smaller than a batch make most batches straddle a
 * block boundary, and the result must equal a read with no cache, byte for byte, before and after compaction.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TieredCache } from '../../cache/index.js';
import { createLogMetrics } from '../../src/log/metrics.js';
import { openTopicLog } from '../../src/log/topic-log.js';
import { FsStore } from '../../src/store/fs.js';
import { MemoryStore } from '../../src/store/memory.js';
import { open, v } from './helpers.js';

async function readAll(log: { read: (ns: string, t: string, p: number, o: number, opts: { maxBytes: number }) => Promise<{ batches: Buffer[]; highWatermark: number }> }, maxBytes: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const r = await log.read('ns', 't', 0, offset, { maxBytes });
    out.push(...r.batches);
    const last = r.batches.at(-1);
    if (!last) break;
    offset = Number(last.readBigInt64BE(0)) + last.readInt32BE(23) + 1;
    if (offset >= r.highWatermark) break;
  }
  return out;
}

describe('catch-up read through the tiered cache', () => {
  it.each([false, true])('returns the same batches as an uncached read when batches straddle blocks (compacted %s)', async (compacted) => {
    const store = new MemoryStore();
    const writer = await open(store);
    await writer.createTopic('ns', 't');
    for (let i = 0; i < 40; i++) await writer.append('ns', 't', 0, Array.from({ length: 1 + (i % 4) }, (_, k) => v(`r${i}-${k}`.padEnd(150 + 31 * k, '.'))));
    if (compacted) await writer.compact();
    await writer.close();

    const plain = await openTopicLog({ store, logger: pino({ level: 'silent' }), metrics: createLogMetrics(new Registry()), config: { compactionIntervalMs: 0, tailCacheBytes: 0 } });
    const cache = new TieredCache(store, { blockSize: 317, memoryBytes: 64 * 1024 });
    const cached = await openTopicLog({ store, cache, logger: pino({ level: 'silent' }), metrics: createLogMetrics(new Registry()), config: { compactionIntervalMs: 0, tailCacheBytes: 0 } });
    for (const maxBytes of [1, 1000, 1 << 20]) {
      const want = await readAll(plain, maxBytes);
      const got = await readAll(cached, maxBytes);
      expect(want.length).toBe(40);
      expect(got).toEqual(want);
    }
    // Most batches are larger than a block, so reads span blocks: the cache was used, block by block.
    expect(cache.stats().misses + cache.stats().hits.memory).toBeGreaterThan(40);
    await plain.close();
    await cached.close();
    await cache.close();
  });
});

describe('readRecords through the tiered cache', () => {
  it('copies the batches out of leased blocks: the records are right, and the blocks are recycled', async () => {
    const store = new FsStore({ dir: mkdtempSync(join(tmpdir(), 'strata-read-records-')) });
    const value = (i: number): string => `r${i}`.padEnd(4000, '.');
    try {
      const writer = await open(store);
      await writer.createTopic('ns', 't');
      for (let i = 0; i < 600; i += 10) await writer.append('ns', 't', 0, Array.from({ length: 10 }, (_, k) => v(value(i + k))));
      await writer.compact();
      await writer.close();
      // ~2.4 MB in segment runs of ≤ 1 MiB (a read covers its run), 64 KiB blocks, 1.1 MiB of memory: the
      // blocks of a run stay while it is read, and are evicted (and recycled) as the reader moves on
      const cache = new TieredCache(store, { blockSize: 64 * 1024, memoryBytes: 1152 * 1024, prefetch: { enabled: false } });
      const log = await openTopicLog({ store, cache, logger: pino({ level: 'silent' }), metrics: createLogMetrics(new Registry()), config: { compactionIntervalMs: 0, tailCacheBytes: 0 } });
      const values: string[] = [];
      for (let offset = 0; offset < 600; ) {
        const r = await log.readRecords('ns', 't', 0, offset, { maxRecords: 7, maxBytes: 64 * 1024 });
        values.push(...r.records.map((rec) => rec.value!.toString()));
        offset = r.nextOffset;
      }
      // every value taken while its block was leased is intact after the blocks were reused
      expect(values).toEqual(Array.from({ length: 600 }, (_, i) => value(i)));
      const s = cache.stats();
      expect(s.gets).toBeGreaterThan(30);
      // read without a lease, every block escapes and none is ever reused (0 here); with it, evicted blocks
      // come back to the pool (which keeps only 2 free buffers at this memory size, so not every one)
      expect(s.buffers.reused).toBeGreaterThan(3);
      await log.close();
      await cache.close();
    } finally {
      rmSync(store.dir, { recursive: true, force: true });
    }
  });
});
