import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createLogMetrics } from '../../src/log/metrics.js';
import type { LogCache } from '../../src/log/reader.js';
import { openTopicLog } from '../../src/log/topic-log.js';
import { MemoryStore } from '../../src/store/memory.js';
import { open, v } from './helpers.js';

type Range = { obj: { key: string; etag: string; size: number }; offset: number; length: number };

/** A cache that reads straight from the store and records what the log hints. */
function recordingCache(store: MemoryStore): LogCache & { hints: Range[][] } {
  const hints: Range[][] = [];
  return {
    hints,
    async read(obj, offset, length) {
      return (await store.get(obj.key, { range: { offset, length }, ifMatch: obj.etag })).body;
    },
    hint(_stream, ranges) {
      hints.push(ranges);
    },
  };
}

describe('sequential reads hint the cache with the next ranges', () => {
  it('a catch-up reader gets the following WAL objects hinted, exactly and in order', async () => {
    const store = new MemoryStore();
    const writer = await open(store);
    await writer.createTopic('ns', 't');
    for (let i = 0; i < 12; i++) await writer.append('ns', 't', 0, [v(`record-${i}`.padEnd(600, '.'))]); // one WAL object each
    await writer.close();

    // A fresh node (empty tail buffer) catching up with small reads.
    const cache = recordingCache(store);
    const log = await openTopicLog({ store, cache, logger: pino({ level: 'silent' }), metrics: createLogMetrics(new Registry()), config: { compactionIntervalMs: 0 } });
    const first = await log.read('ns', 't', 0, 0, { maxBytes: 1 });
    expect(first.batches).toHaveLength(1);
    const hinted = cache.hints.at(-1)!;
    expect(hinted.length).toBeGreaterThanOrEqual(11); // the 11 other WAL objects fit in the read-ahead window
    const keys = hinted.map((r) => r.obj.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(keys); // in log order
    // The first hinted range is exactly the batch the next read returns.
    const second = await log.read('ns', 't', 0, 1, { maxBytes: 1 });
    expect(hinted[0]!.length).toBe(second.batches[0]!.length);
    await log.close();
  });
});
